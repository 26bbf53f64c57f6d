import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { z } from 'zod';
import { id, nullableString, emptyIsNull } from './common.js';
import { certificateTypes, domainTypes } from './enums.js';
import { nullOnly, reportViolations, type Violation } from './record-rules.js';
import { templateSafe } from './traefik-text.js';

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * The host as Traefik routes it (trimmed, lower-case, IDN as punycode), or why it
 * is not a host name. Scheme, path, port and wildcards each get their own message
 * because they are the usual mistakes (pasting a URL).
 */
export function normalizeHost(raw: string): { host: string } | { error: string } {
  const text = raw.trim().toLowerCase();
  if (/^[a-z][a-z0-9+.-]*:\/\//.test(text)) return { error: 'must be a host name without a scheme such as "https://"' };
  if (text.includes('/')) return { error: 'must be a host name without a path; set "path" instead' };
  if (text.includes(':')) return { error: 'must be a host name without a port; set "port" to the container port instead' };
  if (text.includes('*')) return { error: 'wildcard hosts are not supported' };
  const ascii = domainToASCII(text);
  if (!ascii || ascii.length > 253 || !ascii.split('.').every((label) => LABEL.test(label)))
    return { error: `"${raw.trim()}" is not a valid host name` };
  return { host: ascii };
}

const host = z
  .string()
  .trim()
  .min(1)
  .transform((raw, ctx) => {
    const r = normalizeHost(raw);
    if ('error' in r) {
      ctx.addIssue({ code: 'custom', message: r.error });
      return z.NEVER;
    }
    return r.host;
  });

/** A URL path prefix; it lands inside a Traefik rule, so no spaces or backticks, and in a dynamic file. */
const urlPath = templateSafe(z.string().min(1).regex(/^\/[^\s`]*$/, 'must start with "/" and contain no spaces or backticks'));

/** Names of Traefik entrypoints, certificate resolvers and middlewares (`name` or `name@provider`). */
const traefikName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.@-]*$/, 'must be a Traefik name: letters, digits, "_", ".", "@", "-"');

/** Fields `domain.create` and `domain.update` share. */
const domainFields = {
  host,
  path: emptyIsNull(urlPath).optional(),
  port: z.number().int().min(1).max(65535).nullable().optional(),
  customEntrypoint: emptyIsNull(traefikName).optional(),
  https: z.boolean().optional(),
  certificateType: z.enum(certificateTypes).optional(),
  customCertResolver: emptyIsNull(traefikName).optional(),
  serviceName: nullableString().optional(),
  domainType: z
    .enum(domainTypes)
    .nullable()
    .optional()
    .refine((t) => t == null || t === 'application', 'must be "application": Berth routes application domains only'),
  internalPath: emptyIsNull(urlPath).optional(),
  stripPath: z.boolean().optional(),
  middlewares: z.array(traefikName).nullable().optional(),
  // Dokploy's enterprise SSO; Berth has none, so a domain claiming it would be routed without it.
  forwardAuthEnabled: z
    .boolean()
    .optional()
    .refine((v) => !v, 'must be false: Berth has no forward-auth (SSO); use basic auth (security.create) or a middleware'),
};

type TlsFields = { https?: boolean; certificateType?: (typeof certificateTypes)[number]; customCertResolver?: string | null };

/** https needs a certificate type to be chosen; a custom one needs its resolver. */
export function domainViolations(d: TlsFields): Violation[] {
  const out: Violation[] = [];
  if (d.https && d.certificateType === undefined) out.push({ field: 'certificateType', message: 'is required when https is true' });
  if (d.certificateType === 'custom' && !d.customCertResolver)
    out.push({ field: 'customCertResolver', message: 'is required when certificateType is "custom"' });
  return out;
}

export const domainCreate = z
  .object({
    ...domainFields,
    // Optional in the contract (compose and preview domains have other owners); Berth's domains belong to an application.
    applicationId: id()
      .nullable()
      .optional()
      .transform((v, ctx) => {
        if (v == null) {
          ctx.addIssue({ code: 'custom', message: 'is required: every domain belongs to an application' });
          return z.NEVER;
        }
        return v;
      }),
    composeId: nullOnly(),
    previewDeploymentId: nullOnly('must be null: preview domains are created with their preview deployment'),
  })
  .superRefine((d, ctx) => reportViolations(ctx, domainViolations(d)));

export const domainUpdate = z
  .object({
    domainId: id(),
    ...domainFields,
    enabled: z.boolean().optional(),
  })
  .superRefine((d, ctx) => reportViolations(ctx, domainViolations(d)));

export const domainId = z.object({ domainId: id() });
export const domainsOfApplication = z.object({ applicationId: id() });

export type DomainCreate = z.output<typeof domainCreate>;
export type DomainUpdate = z.output<typeof domainUpdate>;

/** Dokploy's limit on the application part of a generated host. */
const GENERATED_NAME_MAX = 40;

/**
 * `<appName>-<random>[-<server IP with dashes>].<wildcard>`: wildcard DNS services such as
 * traefik.me and sslip.io answer a name ending in `-1-2-3-4` with 1.2.3.4 (without one,
 * traefik.me answers 127.0.0.1). The app name is cut down to a DNS label.
 */
export function generatedHost(appName: string, random: string, wildcard: string, serverIp: string): string {
  const label =
    appName
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .slice(0, GENERATED_NAME_MAX)
      .replace(/^-+|-+$/g, '') || 'app';
  return [label, random, ...(serverIp ? [serverIp.replaceAll('.', '-')] : [])].join('-') + `.${wildcard}`;
}

const oneServer = z
  .string()
  .optional()
  .refine((v) => !v, 'must be left out: Berth manages one server');

export const generateDomainInput = z.object({ appName: z.string().min(1).max(255), serverId: oneServer });
/** Required by the contract; "" is the main server (a non-empty id names a remote server, which Berth has none of). */
export const serverOfDomains = z.object({ serverId: z.string().refine((v) => v === '', 'must be "": Berth manages one server') });
export const validateDomainInput = z.object({
  domain: z.string().min(1).max(2048),
  serverIp: z
    .string()
    .optional()
    .refine((v) => !v || isIP(v) !== 0, 'must be an IPv4 or IPv6 address'),
});
