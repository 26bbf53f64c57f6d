import type { ProviderConfig, ProviderType } from '../model/notification.js';
import { secretFields } from '../model/notification.js';
import { Redactor } from '../secrets/redact.js';
import { cut, type Message } from './message.js';
import { mail, smtpTransport } from './providers/email.js';
import { httpProviders } from './providers/index.js';
import type { ApiUrls, HttpProvider } from './providers/types.js';

export interface SendOptions {
  api: ApiUrls;
  timeoutMs: number;
  /** The outbox row's identity (or a fresh one for a test): Idempotency-Key and e-mail Message-ID. */
  idempotencyKey: string;
  /** Cuts a request short (shutdown). */
  signal?: AbortSignal;
}

/** A provider refused or could not be reached: its words, with the channel's secrets redacted. */
export class DeliveryError extends Error {}

/** The channel's secret values (tokens, passwords, webhook URLs and their paths): hidden from every error text. */
function redactorOf(type: ProviderType, config: object): Redactor {
  const values: string[] = [];
  for (const key of secretFields[type] as string[]) {
    const v = (config as Record<string, unknown>)[key];
    if (typeof v === 'string' && v) {
      values.push(v);
      try {
        const u = new URL(v);
        if (u.pathname.length > 1) values.push(u.pathname.slice(1) + u.search);
      } catch {
        /* not a URL */
      }
    } else if (v && typeof v === 'object') values.push(...Object.values(v as Record<string, string>).filter(Boolean));
  }
  return new Redactor(values);
}

/** Why a request did not get an answer, in words: "connection refused", "timed out after 10 s". */
function transportError(err: unknown, timeoutMs: number): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `no answer within ${timeoutMs / 1000} s (timed out)`;
  const code = e.cause?.code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
  return e.cause?.message ?? e.message;
}

/** Sends `message` to one channel; resolves when the provider accepted it, rejects with a DeliveryError otherwise. */
export async function send(type: ProviderType, config: ProviderConfig, message: Message, opts: SendOptions): Promise<void> {
  const redactor = redactorOf(type, config);
  const fail = (text: string): never => {
    throw new DeliveryError(cut(redactor.redact(text), 1000));
  };
  if (type === 'email') {
    const nodemailer = await import('nodemailer');
    const smtp = config as unknown as ProviderConfig<'email'>;
    const transport = nodemailer.createTransport(smtpTransport(smtp, opts.timeoutMs));
    try {
      await transport.sendMail(mail(message, smtp, `<${opts.idempotencyKey}@berth>`));
    } catch (err) {
      const e = err as Error & { response?: string; code?: string };
      fail(e.response ?? (e.code === 'ECONNECTION' ? `SMTP: ${e.message}` : e.message));
    } finally {
      transport.close();
    }
    return;
  }
  const provider = httpProviders[type] as HttpProvider<ProviderType>;
  const request = provider.request(message, config as never, { api: opts.api, idempotencyKey: opts.idempotencyKey });
  let res: Response;
  let body: string;
  try {
    res = await fetch(request.url, { method: 'POST', headers: request.headers, body: request.body, redirect: 'error', signal: opts.signal ? AbortSignal.any([AbortSignal.timeout(opts.timeoutMs), opts.signal]) : AbortSignal.timeout(opts.timeoutMs) });
    body = await res.text();
  } catch (err) {
    return fail(transportError(err, opts.timeoutMs));
  }
  const refusal = provider.refusal?.(body);
  if (!res.ok) fail(`HTTP ${res.status}${refusal || body.trim() ? `: ${refusal ?? cut(body.trim(), 500)}` : ''}`);
  if (refusal) fail(refusal);
}
