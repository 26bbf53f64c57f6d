import { cut, levelColor, type Message } from '../message.js';
import { json, jsonHeaders, type HttpProvider } from './types.js';

const emoji = { success: '✅', error: '❌', warning: '⚠️', info: 'ℹ️' } as const;

/**
 * Discord webhook (discord.com/developers/docs/resources/webhook#execute-webhook): one embed
 * within Discord's limits (title 256, description 4096, 25 fields of 1024). `decoration`
 * adds an emoji to the title.
 */
export const discord: HttpProvider<'discord'> = {
  request(m: Message, config) {
    const description = [m.summary, m.error && `**Error:** ${m.error}`, m.logTail?.length && '```\n' + cut(m.logTail.join('\n'), 2500) + '\n```'].filter(Boolean).join('\n');
    return {
      url: config.webhookUrl,
      headers: jsonHeaders,
      body: json({
        embeds: [
          {
            title: cut(`${config.decoration ? `${emoji[m.level]} ` : ''}${m.title}`, 256),
            description: cut(description, 4096),
            color: parseInt(levelColor[m.level].slice(1), 16),
            ...(m.link ? { url: m.link } : {}),
            fields: m.facts.slice(0, 25).map(([name, value]) => ({ name: cut(name, 256), value: cut(value, 1024), inline: value.length < 40 })),
            timestamp: m.at,
            footer: { text: 'Berth' },
          },
        ],
      }),
    };
  },
};
