import type { Message } from '../message.js';
import { emailBody } from './email-body.js';
import { json, type HttpProvider } from './types.js';

/**
 * Resend (resend.com/docs/api-reference/emails/send-email): POST `<api>/emails` with the API
 * key as a Bearer token, and the message's identity as `Idempotency-Key`, so a retry after a
 * lost answer is not sent twice.
 */
export const resend: HttpProvider<'resend'> = {
  request(m: Message, config, ctx) {
    const { subject, text, html } = emailBody(m);
    return {
      url: `${ctx.api.resend.replace(/\/+$/, '')}/emails`,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${config.apiKey}`, 'idempotency-key': ctx.idempotencyKey },
      body: json({ from: config.fromAddress, to: config.toAddresses, subject, text, html }),
    };
  },
};
