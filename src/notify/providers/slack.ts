import { cut, levelColor, type Message } from '../message.js';
import { json, jsonHeaders, type HttpProvider } from './types.js';

/**
 * Slack incoming webhook (api.slack.com/messaging/webhooks): `text` as the notification's
 * fallback, and an attachment with the level's colour, the facts as short fields, the error
 * and log lines as a code block. `channel` overrides the webhook's own when set (legacy
 * webhooks honour it).
 */
export const slack: HttpProvider<'slack'> = {
  request(m: Message, config) {
    const details = [m.summary, m.error && `*Error:* ${m.error}`, m.logTail?.length && '```' + cut(m.logTail.join('\n'), 2500) + '```'].filter(Boolean).join('\n');
    return {
      url: config.webhookUrl,
      headers: jsonHeaders,
      body: json({
        ...(config.channel ? { channel: config.channel } : {}),
        text: m.title,
        attachments: [
          {
            color: levelColor[m.level],
            title: m.title,
            ...(m.link ? { title_link: m.link } : {}),
            text: details,
            fields: m.facts.map(([title, value]) => ({ title, value, short: value.length < 40 })),
            ts: Math.floor(Date.parse(m.at) / 1000),
          },
        ],
      }),
    };
  },
};
