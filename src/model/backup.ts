import { z } from 'zod';
import { emptyIsNull, id } from './common.js';
import { reportViolations, type Violation } from './record-rules.js';

/**
 * Backup destinations and the web-server backup (Dokploy's `destination.*` and `backup.*`
 * shapes). A destination is S3-compatible storage, or, with `provider: "local"`, a folder on
 * this machine named (as an absolute path) in `bucket`; the other fields are then unused.
 */
export const LOCAL_PROVIDER = 'local';

/** Dokploy's rclone flags: accepted and kept for its clients; Berth speaks S3 itself and uses none. */
const additionalFlags = z
  .array(z.string().regex(/^--[a-zA-Z0-9-]+(=[a-zA-Z0-9._:/@-]+)?$/, 'must look like --name or --name=value'))
  .max(50)
  .nullable()
  .default([]);

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const ENDPOINT = /^(https?:\/\/)?[A-Za-z0-9.-]+(:\d{1,5})?(\/[A-Za-z0-9._~/-]*)?$/;
const cleanFolder = (p: string) => p.startsWith('/') && !p.includes('\0') && !p.split('/').includes('..');

export interface DestinationFields {
  provider: string | null;
  accessKey: string;
  secretAccessKey: string;
  bucket: string;
  endpoint: string;
}

/** What a destination of its provider needs. */
export function destinationViolations(d: DestinationFields): Violation[] {
  if (d.provider === LOCAL_PROVIDER)
    return cleanFolder(d.bucket) ? [] : [{ field: 'bucket', message: 'for provider "local", the absolute path of the folder backups go to (no "..")' }];
  const out: Violation[] = [];
  if (!BUCKET.test(d.bucket)) out.push({ field: 'bucket', message: 'an S3 bucket name: 3-63 lower-case letters, digits, "." and "-"' });
  if (d.endpoint !== '' && !ENDPOINT.test(d.endpoint)) out.push({ field: 'endpoint', message: 'the S3 endpoint URL, e.g. https://s3.example.com or http://127.0.0.1:9000 ("" for AWS)' });
  if (!d.accessKey) out.push({ field: 'accessKey', message: 'is required for S3' });
  if (!d.secretAccessKey) out.push({ field: 'secretAccessKey', message: 'is required for S3' });
  return out;
}

const destinationFields = {
  name: z.string().min(1).max(255),
  provider: emptyIsNull(z.string().max(64)),
  accessKey: z.string().max(1024),
  bucket: z.string().max(4096),
  region: z.string().max(64),
  endpoint: z.string().max(2048),
  secretAccessKey: z.string().max(4096),
  additionalFlags,
  /** Berth is one server: a serverId names one that does not exist (404). */
  serverId: z.string().optional(),
};

export const destinationCreate = z.object(destinationFields).superRefine((d, ctx) => reportViolations(ctx, destinationViolations(d)));
export const destinationUpdate = z.object({ destinationId: id(), ...destinationFields });
export const destinationId = z.object({ destinationId: id() });

export type DestinationCreate = z.output<typeof destinationCreate>;
export type DestinationUpdate = z.output<typeof destinationUpdate>;

const databaseTypes = ['postgres', 'mariadb', 'mysql', 'mongo', 'web-server', 'libsql'] as const;
const noDatabases = 'Berth runs no databases: the only backup it has is of Berth itself, databaseType "web-server"';
const prefix = z
  .string()
  .min(1)
  .max(512)
  .refine((p) => !p.includes('\0') && !p.includes('\\') && !p.split('/').some((s) => s === '..' || s === '.'), 'a folder path at the destination, without "." or ".." parts ("/" for the top)');
const keepLatestCount = z.int().min(0).max(10_000).nullable();

/** The id fields of database services Berth does not have: accepted as Dokploy sends them, only null. */
const noDatabaseId = emptyIsNull().optional().refine((v) => v == null, noDatabases);

/** A prefix as a folder path: no leading, trailing or doubled "/" ("/" and "" are the top). */
export function normalizePrefix(prefix: string): string {
  return prefix.split('/').filter(Boolean).join('/');
}

export const backupCreate = z.object({
  schedule: z.string().min(1).max(255),
  enabled: z.boolean().nullable().optional(),
  prefix,
  destinationId: id(),
  keepLatestCount: keepLatestCount.optional(),
  database: z.string().min(1).max(255),
  mariadbId: noDatabaseId,
  mysqlId: noDatabaseId,
  postgresId: noDatabaseId,
  mongoId: noDatabaseId,
  libsqlId: noDatabaseId,
  composeId: noDatabaseId,
  databaseType: z.enum(databaseTypes).refine((t) => t === 'web-server', noDatabases),
  userId: z.string().nullable().optional(),
  backupType: z.enum(['database', 'compose']).refine((t) => t === 'database', 'Berth runs no compose services: backupType must be "database"').optional(),
  serviceName: z.string().max(255).nullable().optional(),
  includeEncryptionKey: z.boolean().optional(),
  metadata: z.unknown().optional(),
});

export const backupUpdate = z.object({
  backupId: id(),
  schedule: z.string().min(1).max(255).optional(),
  enabled: z.boolean().nullable().optional(),
  prefix: prefix.optional(),
  destinationId: id().optional(),
  database: z.string().min(1).max(255).optional(),
  keepLatestCount: keepLatestCount.optional(),
  serviceName: z.string().max(255).nullable().optional(),
  metadata: z.unknown().optional(),
  databaseType: z.enum(databaseTypes).refine((t) => t === 'web-server', noDatabases).optional(),
  includeEncryptionKey: z.boolean().optional(),
});

export const backupId = z.object({ backupId: id() });

// a query parameter sent empty arrives as absent: the same as "" (the top, every name)
export const listBackupFiles = z.object({ destinationId: id(), search: z.string().max(1024).default(''), serverId: z.string().optional() });

export type BackupCreate = z.output<typeof backupCreate>;
export type BackupUpdate = z.output<typeof backupUpdate>;
