import { z } from 'zod';
import { id } from './common.js';
import { MASK } from './dotenv.js';
import { notificationTypes } from './enums.js';

/**
 * Notification channels (Dokploy's `notification.*`): the event flags every channel has, and
 * per provider its fields, which of them are secrets, and the inputs of create, update and
 * test. Validation, types and the OpenAPI document all come from these schemas.
 */

export const eventFlags = ['appDeploy', 'appBuildError', 'databaseBackup', 'volumeBackup', 'dokployRestart', 'dokployBackup', 'dockerCleanup', 'serverThreshold'] as const;
export type Flags = Record<(typeof eventFlags)[number], boolean>;

const httpUrl = z.url({ protocol: /^https?$/, error: 'Expected an http(s) URL' }).max(2048);
const text = (max = 255) => z.string().min(1).max(max);
const secret = text(4096);
const email = z.email().max(320);

/** Each provider's own fields (its row in Dokploy), as create takes them. */
export const providerFields = {
  slack: { webhookUrl: httpUrl, channel: z.string().max(255).default('') },
  telegram: { botToken: secret, chatId: text(), messageThreadId: z.string().max(64).regex(/^\d*$/, 'Expected a numeric thread id or ""').default('') },
  discord: { webhookUrl: httpUrl, decoration: z.boolean().default(true) },
  email: {
    smtpServer: text(),
    smtpPort: z.number().int().min(1).max(65535),
    username: text(),
    password: secret,
    fromAddress: email,
    toAddresses: z.array(email).min(1).max(50),
  },
  resend: { apiKey: secret, fromAddress: email, toAddresses: z.array(email).min(1).max(50) },
  gotify: { serverUrl: httpUrl, appToken: secret, priority: z.number().int().min(1).max(10).default(5), decoration: z.boolean().default(true) },
  ntfy: { serverUrl: httpUrl, topic: text(64).regex(/^[A-Za-z0-9_-]+$/, 'Expected a topic of letters, digits, "_" and "-"'), accessToken: z.string().max(4096).default(''), priority: z.number().int().min(1).max(5).default(3) },
  mattermost: { webhookUrl: httpUrl, channel: z.string().max(255).default(''), username: z.string().max(255).default('') },
  custom: { endpoint: httpUrl, headers: z.record(z.string().min(1).max(255), z.string().max(4096)).default({}) },
  lark: { webhookUrl: httpUrl },
  teams: { webhookUrl: httpUrl },
  pushover: {
    userKey: secret,
    apiToken: secret,
    priority: z.number().int().min(-2).max(2).default(0),
    retry: z.number().int().min(30).max(10800).nullable().default(null),
    expire: z.number().int().min(1).max(10800).nullable().default(null),
  },
} as const satisfies Record<(typeof notificationTypes)[number], z.ZodRawShape>;

export type ProviderType = keyof typeof providerFields;
export const providerTypes = notificationTypes;
export type ProviderConfig<T extends ProviderType = ProviderType> = z.output<z.ZodObject<(typeof providerFields)[T]>>;

/** The provider's name in route names: `createSlack`, `testNtfyConnection`. */
export const routeName = (type: ProviderType) => type[0].toUpperCase() + type.slice(1);
/** The provider row's id field: `slackId`, `ntfyId`. */
export const providerIdKey = (type: ProviderType) => `${type}Id` as const;

/**
 * The fields that hold a secret: tokens, passwords, and URLs whose path or query is the
 * credential (Slack, Discord, Teams… webhooks). Stored encrypted, answered masked.
 */
export const secretFields: { [T in ProviderType]: readonly (keyof ProviderConfig<T>)[] } = {
  slack: ['webhookUrl'],
  telegram: ['botToken'],
  discord: ['webhookUrl'],
  email: ['password'],
  resend: ['apiKey'],
  gotify: ['appToken'],
  ntfy: ['accessToken'],
  mattermost: ['webhookUrl'],
  custom: ['endpoint', 'headers'],
  lark: ['webhookUrl'],
  teams: ['webhookUrl'],
  pushover: ['userKey', 'apiToken'],
};

/** A secret as answers show it: a URL keeps its origin (which server), everything else becomes the mask. */
export function maskValue(value: unknown): unknown {
  if (typeof value === 'string') {
    if (value === '') return value;
    try {
      const url = new URL(value);
      if (/^https?:$/.test(url.protocol)) return `${url.origin}/${MASK}`;
    } catch {
      /* not a URL */
    }
    return MASK;
  }
  if (value && typeof value === 'object') return Object.fromEntries(Object.keys(value).map((k) => [k, MASK]));
  return value;
}

export function maskConfig<T extends ProviderType>(type: T, config: ProviderConfig<T>): ProviderConfig<T> {
  const out = { ...config } as Record<string, unknown>;
  for (const key of secretFields[type] as string[]) out[key] = maskValue(out[key]);
  return out as ProviderConfig<T>;
}

/**
 * Clients edit what they read and send the masked secrets back: a value equal to the mask of
 * the stored one keeps the stored one (header by header for the custom provider's headers).
 */
export function keepMasked<T extends ProviderType>(type: T, stored: ProviderConfig<T>, next: ProviderConfig<T>): ProviderConfig<T> {
  const out = { ...next } as Record<string, unknown>;
  const old = stored as Record<string, unknown>;
  for (const key of secretFields[type] as string[]) {
    const value = out[key];
    if (value && typeof value === 'object' && old[key] && typeof old[key] === 'object') {
      const oldHeaders = old[key] as Record<string, string>;
      out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, v === MASK && k in oldHeaders ? oldHeaders[k] : v]));
    } else if (typeof value === 'string' && value !== '' && value === maskValue(old[key])) out[key] = old[key];
  }
  return out as ProviderConfig<T>;
}

const flagInputs = Object.fromEntries(eventFlags.map((f) => [f, z.boolean().default(false)])) as Record<(typeof eventFlags)[number], z.ZodDefault<z.ZodBoolean>>;
const optionalFlags = Object.fromEntries(eventFlags.map((f) => [f, z.boolean().optional()])) as Record<(typeof eventFlags)[number], z.ZodOptional<z.ZodBoolean>>;

/** `create<Provider>`: a name, the event flags (absent: off) and the provider's fields. */
export const createInput = <T extends ProviderType>(type: T) => z.object({ name: text(), ...flagInputs, ...providerFields[type] });

/**
 * An update field: absent keeps the value (no create default applies), and so does "" where
 * "" is not a value the field can hold (a webhook URL, a token): Dokploy's CLI sends "" for
 * every option it was not given.
 */
function updateField(schema: z.ZodType): z.ZodType {
  const base = (schema instanceof z.ZodDefault ? schema.unwrap() : schema) as z.ZodType;
  return base.safeParse('').success ? base.optional() : z.preprocess((v) => (v === '' ? undefined : v), base.optional());
}

/** `update<Provider>`: the ids and any of the fields; absent fields keep their value. `organizationId` is accepted and ignored. */
export const updateInput = <T extends ProviderType>(type: T) =>
  z.object({
    notificationId: id(),
    [providerIdKey(type)]: z.string().max(64).optional(),
    organizationId: z.string().optional(),
    name: updateField(text()),
    ...optionalFlags,
    ...(Object.fromEntries(Object.entries(providerFields[type]).map(([k, s]) => [k, updateField(s as z.ZodType)])) as Record<string, z.ZodType>),
  });

/** `test<Provider>Connection`: the provider's fields only; nothing is stored. */
export const testInput = <T extends ProviderType>(type: T) => z.object(providerFields[type]);

export const notificationId = z.object({ notificationId: id() });

/**
 * `receiveNotification`: what Dokploy's monitoring agent posts when a server crosses a
 * threshold. Berth samples its own server (no agent), so this is an intake for an external
 * monitor that speaks Dokploy's body, authenticated by BERTH_THRESHOLD_TOKEN.
 */
export const receiveInput = z.object({
  ServerType: z.enum(['Dokploy', 'Remote']).default('Dokploy'),
  Type: z.enum(['Memory', 'CPU']),
  Value: z.number(),
  Threshold: z.number(),
  Message: z.string().max(4096),
  Timestamp: z.string().max(64),
  Token: z.string().max(512),
});
