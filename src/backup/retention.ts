import { archiveTime } from './naming.js';

/**
 * Which keys to delete so that the newest `keep` archives of one prefix remain (pure).
 * Only Berth's archive names directly under the prefix count: any other file there (another
 * tool's, or a sub-folder's) is never chosen. `keep` null or 0 keeps everything.
 */
export function keysToDelete(keys: readonly string[], prefix: string, keep: number | null): string[] {
  if (!keep || keep < 1) return [];
  const folder = prefix ? `${prefix}/` : '';
  const archives = keys
    .filter((k) => k.startsWith(folder) && !k.slice(folder.length).includes('/'))
    .map((key) => ({ key, time: archiveTime(key.slice(folder.length)) }))
    .filter((a): a is { key: string; time: string } => a.time !== null)
    // newest first; the same time (an encrypted and a plain one) by name, so the order is total
    .sort((a, b) => (a.time === b.time ? b.key.localeCompare(a.key) : b.time.localeCompare(a.time)));
  return archives.slice(keep).map((a) => a.key);
}
