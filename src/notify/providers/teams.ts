import { cut, type Message } from '../message.js';
import { json, jsonHeaders, type HttpProvider } from './types.js';

const color = { success: 'Good', error: 'Attention', warning: 'Warning', info: 'Accent' } as const;

/**
 * Microsoft Teams through a Workflows ("Post to a channel when a webhook request is
 * received") URL: a `message` with one Adaptive Card 1.4 attachment — title, summary, a
 * FactSet, the error, and an Open-URL action for the link.
 */
export const teams: HttpProvider<'teams'> = {
  request(m: Message, config) {
    const body: unknown[] = [
      { type: 'TextBlock', text: m.title, weight: 'Bolder', size: 'Medium', color: color[m.level], wrap: true },
      { type: 'TextBlock', text: m.summary, wrap: true },
      { type: 'FactSet', facts: m.facts.map(([title, value]) => ({ title, value })) },
    ];
    if (m.error) body.push({ type: 'TextBlock', text: `Error: ${m.error}`, wrap: true, color: 'Attention' });
    if (m.logTail?.length) body.push({ type: 'TextBlock', text: cut(m.logTail.slice(-10).join('\n'), 2000), wrap: true, fontType: 'Monospace', size: 'Small' });
    return {
      url: config.webhookUrl,
      headers: jsonHeaders,
      body: json({
        type: 'message',
        attachments: [
          {
            contentType: 'application/vnd.microsoft.card.adaptive',
            contentUrl: null,
            content: {
              $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
              type: 'AdaptiveCard',
              version: '1.4',
              body,
              ...(m.link ? { actions: [{ type: 'Action.OpenUrl', title: 'Open in Berth', url: m.link }] } : {}),
            },
          },
        ],
      }),
    };
  },
};
