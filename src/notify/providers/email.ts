import type { ProviderConfig } from '../../model/notification.js';
import type { Message } from '../message.js';
import { emailBody } from './email-body.js';

/**
 * SMTP through nodemailer: implicit TLS on port 465, STARTTLS when the server offers it on
 * the others (nodemailer's `secure` semantics), always authenticated, with the per-provider
 * timeout on connecting, greeting and each command.
 */
export function smtpTransport(config: ProviderConfig<'email'>, timeoutMs: number) {
  return {
    host: config.smtpServer,
    port: config.smtpPort,
    secure: config.smtpPort === 465,
    auth: { user: config.username, pass: config.password },
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  };
}

export function mail(m: Message, config: ProviderConfig<'email'>, messageId: string) {
  return { from: config.fromAddress, to: config.toAddresses, ...emailBody(m), messageId };
}
