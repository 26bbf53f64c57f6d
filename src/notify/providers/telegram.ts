import { cut, type Message } from '../message.js';
import { json, jsonHeaders, type HttpProvider } from './types.js';

/** Telegram's HTML parse mode needs exactly these escaped (core.telegram.org/bots/api#html-style). */
export const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Bot API sendMessage (core.telegram.org/bots/api#sendmessage) at `<api>/bot<token>/sendMessage`:
 * HTML text within the 4096-character limit, every value escaped, link previews off, the
 * thread when one is set. Telegram answers `{"ok":false,"description":…}` with a 4xx when it
 * refuses; the sender reports that text.
 */
export const telegram: HttpProvider<'telegram'> = {
  request(m: Message, config, ctx) {
    const lines = [`<b>${escapeHtml(m.title)}</b>`, escapeHtml(m.summary), '', ...m.facts.map(([k, v]) => `<b>${escapeHtml(k)}:</b> ${escapeHtml(v)}`)];
    if (m.error) lines.push('', `<b>Error:</b> ${escapeHtml(m.error)}`);
    if (m.logTail?.length) lines.push('', `<pre>${escapeHtml(cut(m.logTail.slice(-10).join('\n'), 1500))}</pre>`);
    if (m.link) lines.push('', escapeHtml(m.link));
    return {
      url: `${ctx.api.telegram.replace(/\/+$/, '')}/bot${config.botToken}/sendMessage`,
      headers: jsonHeaders,
      body: json({
        chat_id: config.chatId,
        text: cut(lines.join('\n'), 4096),
        parse_mode: 'HTML',
        link_preview_options: { is_disabled: true },
        ...(config.messageThreadId ? { message_thread_id: Number(config.messageThreadId) } : {}),
      }),
    };
  },
  refusal(body) {
    try {
      const answer = JSON.parse(body) as { ok?: boolean; description?: string };
      return answer.ok === false ? (answer.description ?? 'Telegram refused the message') : undefined;
    } catch {
      return undefined;
    }
  },
};
