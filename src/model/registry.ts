import { z } from 'zod';
import { emptyIsNull, id } from './common.js';
import { notFound } from './errors.js';

const label = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const port = '(?::(?:6553[0-5]|655[0-2]\\d|65[0-4]\\d{2}|6[0-4]\\d{3}|[1-5]\\d{4}|[1-9]\\d{0,3}))?';
const HOST_PORT = new RegExp(`^(?:${label}(?:\\.${label})*|\\[[0-9A-Fa-f:.]+\\])${port}$`);

/** Where a registry lives: `hostname[:port]`, no scheme and no path; "" means Docker Hub. */
export const registryUrl = z
  .string()
  .max(255)
  .refine((v) => v === '' || HOST_PORT.test(v), {
    message: 'Expected "hostname[:port]" without scheme or path, or "" for Docker Hub',
  });

// Docker's repository path grammar: lowercase is applied when the image name is built.
const component = '[A-Za-z0-9]+(?:(?:[._]|__|-+)[A-Za-z0-9]+)*';
const IMAGE_PREFIX = new RegExp(`^(?:${component}(?:/${component})*)?$`);
const imagePrefix = z.string().max(255).regex(IMAGE_PREFIX, 'Expected an image path prefix such as "team" or "org/team"');

/** Only `cloud` is accepted through the API; `selfHosted` exists in stored rows only. */
const registryType = z.enum(['cloud']);

/**
 * Berth manages one Docker host and no remote servers, so any `serverId` names a server
 * that does not exist; the key is accepted because Dokploy clients send it.
 */
const serverId = z.string().optional();

export function assertLocalServer(serverId: string | undefined): void {
  if (serverId) throw notFound('Server', serverId);
}

const credentials = {
  username: z.string().min(1).max(255),
  password: z.string().min(1).max(4096),
  registryUrl,
  registryType,
  serverId,
};

export const registryCreate = z.object({
  registryName: z.string().min(1).max(255),
  ...credentials,
  imagePrefix: emptyIsNull(imagePrefix),
});

export const registryTest = z.object({
  registryName: z.string().optional(),
  ...credentials,
  imagePrefix: emptyIsNull(imagePrefix).optional(),
});

export const registryUpdate = z.object({
  registryId: id(),
  registryName: z.string().min(1).max(255).optional(),
  imagePrefix: emptyIsNull(imagePrefix).optional(),
  username: credentials.username.optional(),
  password: credentials.password.optional(),
  registryUrl: registryUrl.optional(),
  registryType: registryType.optional(),
  // Accepted for Dokploy compatibility; Berth keeps the stored values.
  createdAt: z.string().optional(),
  organizationId: z.string().min(1).optional(),
  serverId,
});

export const registryId = z.object({ registryId: id() });

export const registryTestById = z
  .object({ registryId: id().optional(), serverId })
  .refine((v) => v.registryId !== undefined, { path: ['registryId'], message: 'Required' });

export type RegistryCreate = z.output<typeof registryCreate>;
export type RegistryUpdate = z.output<typeof registryUpdate>;
