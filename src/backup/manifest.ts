import { z } from 'zod';

/**
 * `manifest.json`, the first entry of every archive (pure): what made it, the database's schema
 * (the last migration applied), and the size and sha256 of every other file, so a restore can
 * tell a complete, unaltered archive from anything else before it writes a data directory.
 */

const relativePath = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => !p.startsWith('/') && !p.includes('\0') && !p.includes('\\') && !p.split('/').some((s) => s === '..' || s === '.' || s === ''), 'must be a relative path without "." or ".." parts');

const manifestFile = z.object({ path: relativePath, size: z.int().min(0), sha256: z.string().regex(/^[0-9a-f]{64}$/) });

export const manifestSchema = z.object({
  format: z.literal('berth-backup'),
  formatVersion: z.literal(1),
  berthVersion: z.string(),
  /** The last drizzle migration applied to the database: its tag and its journal time (ms). */
  schema: z.object({ migration: z.string().min(1), when: z.int() }),
  createdAt: z.string(),
  /** false: the archive has no secret.key (includeEncryptionKey off); the old key must be put back by hand. */
  includesSecretKey: z.boolean(),
  files: z.array(manifestFile),
});

export type Manifest = z.infer<typeof manifestSchema>;
export type ManifestFile = z.infer<typeof manifestFile>;
export interface Migration {
  tag: string;
  when: number;
}

export const MANIFEST = 'manifest.json';
export const DATABASE = 'berth.db';
export const SECRET_KEY = 'secret.key';

export function parseManifest(text: string): Manifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error('the archive\'s manifest.json is not JSON: not a Berth backup, or damaged');
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) throw new Error(`the archive's manifest.json is not a Berth backup manifest: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'manifest'}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** Why this code cannot take the archive's database, or null when it can (it migrates older ones forward at start). */
export function schemaRefusal(archive: Manifest['schema'], known: readonly Migration[], berthVersion: string): string | null {
  const latest = known.at(-1);
  if (known.some((m) => m.tag === archive.migration && m.when === archive.when)) return null;
  if (!latest || archive.when > latest.when)
    return `the archive's database schema (migration ${archive.migration}) is newer than this Berth ${berthVersion} knows (latest ${latest?.tag ?? 'none'}): restore it with the Berth version that made it (or a newer one)`;
  return `the archive's database schema (migration ${archive.migration}) is not one this Berth ${berthVersion} knows: restore it with the Berth version that made it`;
}

/** What differs between the manifest and the files the archive really held (empty: they match). */
export function fileProblems(manifest: Manifest, found: readonly ManifestFile[]): string[] {
  const problems: string[] = [];
  const listed = new Map(manifest.files.map((f) => [f.path, f]));
  const seen = new Map(found.map((f) => [f.path, f]));
  if (!listed.has(DATABASE)) problems.push(`${DATABASE} is not listed`);
  if (manifest.includesSecretKey && !listed.has(SECRET_KEY)) problems.push(`${SECRET_KEY} is not listed`);
  for (const [p, want] of listed) {
    const got = seen.get(p);
    if (!got) problems.push(`${p} is missing`);
    else if (got.size !== want.size || got.sha256 !== want.sha256) problems.push(`${p} does not match its checksum`);
  }
  for (const p of seen.keys()) if (!listed.has(p)) problems.push(`${p} is not in the manifest`);
  return problems;
}
