import type { Message } from '../message.js';
import { json, type HttpProvider } from './types.js';

/**
 * A custom webhook: POST JSON with Dokploy's flat fields (`title`, `message`, `status`,
 * `type`, `timestamp`, the names and the link) and Berth's own `event` as it is. The
 * channel's headers come last, so they may override the content type; `Idempotency-Key`
 * is the message's identity, so a receiver can drop a repeat.
 */
export const custom: HttpProvider<'custom'> = {
  request(m: Message, config, ctx) {
    const s = m.subject;
    return {
      url: config.endpoint,
      headers: { 'content-type': 'application/json', 'idempotency-key': ctx.idempotencyKey, ...config.headers },
      body: json({
        title: m.title,
        message: m.summary,
        status: m.level,
        type: m.event.type,
        timestamp: m.at,
        ...(s.projectName ? { projectName: s.projectName } : {}),
        ...(s.applicationName ? { applicationName: s.applicationName, applicationType: 'application' } : {}),
        ...(s.environmentName ? { environmentName: s.environmentName } : {}),
        ...(m.link ? { buildLink: m.link } : {}),
        ...(m.error ? { errorMessage: m.error } : {}),
        facts: Object.fromEntries(m.facts),
        event: m.event,
      }),
    };
  },
};
