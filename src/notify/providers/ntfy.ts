import { plainText, type Message } from '../message.js';
import { json, jsonHeaders, type HttpProvider } from './types.js';

const tags = { success: ['white_check_mark'], error: ['x'], warning: ['warning'], info: ['information_source'] } as const;

/**
 * ntfy, published as JSON to the server's root (docs.ntfy.sh/publish/#publish-as-json):
 * unlike the X-Title header form, a JSON title may hold any character. The access token, when
 * set, goes as a Bearer token; the link is the click target and a "view" action.
 */
export const ntfy: HttpProvider<'ntfy'> = {
  request(m: Message, config) {
    return {
      url: `${config.serverUrl.replace(/\/+$/, '')}/`,
      headers: { ...jsonHeaders, ...(config.accessToken ? { authorization: `Bearer ${config.accessToken}` } : {}) },
      body: json({
        topic: config.topic,
        title: m.title,
        message: plainText(m),
        priority: config.priority,
        tags: tags[m.level],
        ...(m.link ? { click: m.link, actions: [{ action: 'view', label: 'Open in Berth', url: m.link }] } : {}),
      }),
    };
  },
};
