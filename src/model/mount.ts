import { z } from 'zod';
import { id } from './common.js';
import { mountTypes, serviceTypes } from './enums.js';
import { nullOnly, reportViolations, type Violation } from './record-rules.js';

export type MountType = (typeof mountTypes)[number];

/** Docker's own rule for volume names. */
const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** What a mount of each type is made of; the other source columns stay null. */
export interface MountSource {
  type: MountType;
  hostPath?: string | null;
  volumeName?: string | null;
  filePath?: string | null;
  content?: string | null;
  mountPath: string;
}

const isAbsolute = (p: string) => p.startsWith('/') && !p.includes('\0');

/** A file mount lives in the application's files folder: relative, and never climbing out of it. */
const isInsideFolder = (p: string) => !p.startsWith('/') && !p.includes('\0') && !p.split(/[\\/]/).includes('..');

/** The source a mount's type needs, and a container path that Docker accepts. */
export function mountViolations(m: MountSource): Violation[] {
  const out: Violation[] = [];
  if (!isAbsolute(m.mountPath) || m.mountPath === '/')
    out.push({ field: 'mountPath', message: 'must be an absolute path in the container, other than "/"' });
  if (m.type === 'bind' && !(m.hostPath && isAbsolute(m.hostPath)))
    out.push({ field: 'hostPath', message: 'is required for a bind mount and must be an absolute host path' });
  if (m.type === 'volume' && !(m.volumeName && VOLUME_NAME.test(m.volumeName)))
    out.push({ field: 'volumeName', message: 'is required for a volume mount: letters, digits, "_", ".", "-", starting with a letter or digit' });
  if (m.type === 'file') {
    if (!(m.filePath && isInsideFolder(m.filePath)))
      out.push({ field: 'filePath', message: 'is required for a file mount and must be a relative path without ".."' });
    if (typeof m.content !== 'string') out.push({ field: 'content', message: 'is required for a file mount' });
  }
  return out;
}

/** Keeps only the source columns of the mount's type, so changing the type leaves no stale source behind. */
export function mountColumns(m: MountSource) {
  return {
    type: m.type,
    mountPath: m.mountPath,
    hostPath: m.type === 'bind' ? (m.hostPath ?? null) : null,
    volumeName: m.type === 'volume' ? (m.volumeName ?? null) : null,
    filePath: m.type === 'file' ? (m.filePath ?? null) : null,
    content: m.type === 'file' ? (m.content ?? null) : null,
  };
}

const isApplication = [(t: string) => t === 'application', 'must be "application": Berth runs applications only'] as const;
const applicationService = z.enum(serviceTypes).refine(...isApplication);

export const mountCreate = z
  .object({
    type: z.enum(mountTypes),
    hostPath: z.string().nullable().optional(),
    volumeName: z.string().nullable().optional(),
    content: z.string().nullable().optional(),
    mountPath: z.string().min(1),
    filePath: z.string().nullable().optional(),
    serviceType: applicationService.default('application'),
    serviceId: id(),
  })
  .superRefine((m, ctx) => reportViolations(ctx, mountViolations(m)));

/** Every column may be sent (Dokploy's form sends the row back); the type rules apply to the merged result. */
export const mountUpdate = z.object({
  mountId: id(),
  type: z.enum(mountTypes).optional(),
  hostPath: z.string().nullable().optional(),
  volumeName: z.string().nullable().optional(),
  filePath: z.string().nullable().optional(),
  content: z.string().nullable().optional(),
  serviceType: applicationService.optional(),
  mountPath: z.string().min(1).optional(),
  applicationId: z.string().nullable().optional(),
  composeId: nullOnly(),
  libsqlId: nullOnly(),
  mariadbId: nullOnly(),
  mongoId: nullOnly(),
  mysqlId: nullOnly(),
  postgresId: nullOnly(),
  redisId: nullOnly(),
});

export const mountId = z.object({ mountId: id() });

// The contract types serviceType as a plain string here, an enum elsewhere.
export const mountsOfService = z.object({ serviceType: z.string().min(1).refine(...isApplication), serviceId: id() });

export type MountCreate = z.output<typeof mountCreate>;
export type MountUpdate = z.output<typeof mountUpdate>;
