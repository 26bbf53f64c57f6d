import { createHash } from 'node:crypto';
import bcrypt from 'bcryptjs';

/** Dokploy's cost; Traefik checks the hash on every request, so more would slow every page. */
const COST = 10;
const MAX_CACHED = 10_000;

/**
 * bcrypt hashes by digest of (username, password). A hash takes ~100 ms of CPU and every
 * change to an application's routing re-renders its file: the cache keeps renders fast,
 * synchronous, and the file byte-identical while its users do not change (Traefik has
 * nothing to reload then). Keys are digests: no plaintext password stays in memory here.
 */
const hashes = new Map<string, string>();
const pending = new Map<string, Promise<void>>();

const keyOf = (username: string, password: string) => createHash('sha256').update(username).update('\0').update(password).digest('base64');

/** The hash of a user prepared by `prepareHashes`, or undefined. */
export function cachedHash(username: string, password: string): string | undefined {
  return hashes.get(keyOf(username, password));
}

/** Computes the hashes of these users that are not cached yet (bcryptjs yields to the event loop while it works). */
export async function prepareHashes(users: { username: string; password: string }[]): Promise<void> {
  await Promise.all(
    users.map(({ username, password }) => {
      const key = keyOf(username, password);
      if (hashes.has(key)) return;
      let job = pending.get(key);
      if (!job) {
        job = bcrypt.hash(password, COST).then(
          (hash) => {
            if (hashes.size >= MAX_CACHED) hashes.clear();
            hashes.set(key, hash);
          },
        ).finally(() => pending.delete(key));
        pending.set(key, job);
      }
      return job;
    }),
  );
}
