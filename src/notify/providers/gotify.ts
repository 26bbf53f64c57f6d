import { plainText, type Message } from '../message.js';
import { json, jsonHeaders, type HttpProvider } from './types.js';

/**
 * Gotify (gotify.net/docs/pushmsg): POST `<server>/message` with the application token in
 * `X-Gotify-Key` (not in the query string, where proxies log it). Plain text, or markdown with
 * `decoration`; a click on the notification opens the link.
 */
export const gotify: HttpProvider<'gotify'> = {
  request(m: Message, config) {
    return {
      url: `${config.serverUrl.replace(/\/+$/, '')}/message`,
      headers: { ...jsonHeaders, 'x-gotify-key': config.appToken },
      body: json({
        title: m.title,
        message: plainText(m),
        priority: config.priority,
        extras: {
          'client::display': { contentType: config.decoration ? 'text/markdown' : 'text/plain' },
          ...(m.link ? { 'client::notification': { click: { url: m.link } } } : {}),
        },
      }),
    };
  },
};
