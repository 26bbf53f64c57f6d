import { cut, plainText, type Message } from '../message.js';
import type { HttpProvider } from './types.js';

/**
 * Pushover (pushover.net/api): a form POST to `<api>/1/messages.json` within its limits
 * (title 250, message 1024, url 512). Emergency priority (2) needs `retry` and `expire`:
 * 30 s and 1 hour when the channel sets none. Pushover answers `{"status":1}` when it
 * accepts and a 4xx with `errors` when it does not.
 */
export const pushover: HttpProvider<'pushover'> = {
  request(m: Message, config, ctx) {
    const form = new URLSearchParams({
      token: config.apiToken,
      user: config.userKey,
      title: cut(m.title, 250),
      message: cut(plainText(m, 5), 1024),
      priority: String(config.priority),
      timestamp: String(Math.floor(Date.parse(m.at) / 1000)),
    });
    if (m.link) {
      form.set('url', cut(m.link, 512));
      form.set('url_title', 'Open in Berth');
    }
    if (config.priority === 2) {
      form.set('retry', String(config.retry ?? 30));
      form.set('expire', String(config.expire ?? 3600));
    }
    return { url: `${ctx.api.pushover.replace(/\/+$/, '')}/1/messages.json`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() };
  },
  refusal(body) {
    try {
      const a = JSON.parse(body) as { status?: number; errors?: string[] };
      return a.status === 1 ? undefined : (a.errors?.join('; ') ?? 'Pushover refused the message');
    } catch {
      return undefined;
    }
  },
};
