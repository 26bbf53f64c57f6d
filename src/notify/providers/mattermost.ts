import { cut, type Message } from '../message.js';
import { json, jsonHeaders, type HttpProvider } from './types.js';

/**
 * Mattermost incoming webhook (developers.mattermost.com/integrate/webhooks/incoming/):
 * markdown `text`; `channel` (its name, without "#") and `username` override the webhook's
 * when set.
 */
export const mattermost: HttpProvider<'mattermost'> = {
  request(m: Message, config) {
    const lines = [`#### ${m.title}`, m.summary, '', ...m.facts.map(([k, v]) => `**${k}:** ${v}`)];
    if (m.error) lines.push('', `**Error:** ${m.error}`);
    if (m.logTail?.length) lines.push('', '```', cut(m.logTail.join('\n'), 2500), '```');
    if (m.link) lines.push('', `[Open in Berth](${m.link})`);
    return {
      url: config.webhookUrl,
      headers: jsonHeaders,
      body: json({
        text: lines.join('\n'),
        ...(config.channel ? { channel: config.channel.replace(/^#/, '') } : {}),
        username: config.username || 'Berth',
      }),
    };
  },
};
