import { cut, type Message } from '../message.js';
import { json, jsonHeaders, type HttpProvider } from './types.js';

const template = { success: 'green', error: 'red', warning: 'orange', info: 'blue' } as const;

/**
 * Lark / Feishu custom bot webhook (open.larksuite.com/open-apis/bot/v2/hook/…): an
 * interactive card with a coloured header, the facts and error as markdown, and a button to
 * the link. Lark answers HTTP 200 even when it refuses; the refusal is in `code`/`msg`
 * (`StatusCode`/`StatusMessage` on older hooks), which the sender reads.
 */
export const lark: HttpProvider<'lark'> = {
  request(m: Message, config) {
    const lines = [m.summary, '', ...m.facts.map(([k, v]) => `**${k}:** ${v}`)];
    if (m.error) lines.push('', `**Error:** ${m.error}`);
    if (m.logTail?.length) lines.push('', cut(m.logTail.slice(-10).join('\n'), 2000));
    const elements: unknown[] = [{ tag: 'markdown', content: lines.join('\n') }];
    if (m.link) elements.push({ tag: 'action', actions: [{ tag: 'button', text: { tag: 'plain_text', content: 'Open in Berth' }, type: 'primary', url: m.link }] });
    return {
      url: config.webhookUrl,
      headers: jsonHeaders,
      body: json({
        msg_type: 'interactive',
        card: { header: { title: { tag: 'plain_text', content: m.title }, template: template[m.level] }, elements },
      }),
    };
  },
  refusal(body) {
    try {
      const a = JSON.parse(body) as { code?: number; msg?: string; StatusCode?: number; StatusMessage?: string };
      const code = a.code ?? a.StatusCode ?? 0;
      return code === 0 ? undefined : `Lark refused the message (code ${code}): ${a.msg ?? a.StatusMessage ?? ''}`.trim();
    } catch {
      return undefined;
    }
  },
};
