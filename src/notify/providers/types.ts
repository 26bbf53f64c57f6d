import type { ProviderConfig, ProviderType } from '../../model/notification.js';
import type { Message } from '../message.js';

/** One HTTP request to a provider, built by a pure render. */
export interface HttpRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** The provider APIs that live at a fixed address: settings, so that tests can point them at a local receiver. */
export interface ApiUrls {
  telegram: string;
  pushover: string;
  resend: string;
}

export interface RenderContext {
  api: ApiUrls;
  /** The outbox row's identity: providers that deduplicate (Resend, custom receivers) get it. */
  idempotencyKey: string;
}

/** A webhook-style provider: the request for a message, and how to read its answer. */
export interface HttpProvider<T extends ProviderType> {
  request(message: Message, config: ProviderConfig<T>, ctx: RenderContext): HttpRequest;
  /** The provider's refusal in its own words for an answer that is 2xx but says "no"; undefined when it accepted. */
  refusal?(body: string): string | undefined;
}

export const json = (value: unknown) => JSON.stringify(value);
export const jsonHeaders = { 'content-type': 'application/json' };
