import { normalizePrefix } from '../model/backup.js';

/** Archive names and destination keys (pure): the name carries the time, so name order is time order. */

/** `berth-backup-<UTC time, ":" and "." as "-">.tar.gz`, `.enc` appended when encrypted. */
const ARCHIVE = /^berth-backup-(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z)\.tar\.gz(\.enc)?$/;

export function archiveName(at: Date, encrypted: boolean): string {
  return `berth-backup-${at.toISOString().replace(/[:.]/g, '-')}.tar.gz${encrypted ? '.enc' : ''}`;
}

/** The time an archive name carries, or null for any other file. */
export function archiveTime(name: string): string | null {
  return ARCHIVE.exec(name)?.[1] ?? null;
}

export const isEncryptedName = (name: string) => name.endsWith('.enc');


/** The key of `name` under `prefix`. */
export const keyOf = (prefix: string, name: string) => (normalizePrefix(prefix) ? `${normalizePrefix(prefix)}/${name}` : name);
