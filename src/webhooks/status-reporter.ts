import { sourceRepository } from '../deploy/sources/git-url.js';
import { providerAccess, providerOf } from '../deploy/sources/provider-access.js';
import type { Store } from '../store/index.js';
import type { ApplicationRow } from '../store/schema.js';
import { statusRequests, type CommitStatus } from './commit-status.js';

/** A forge that does not answer in this time is given up on for this status. */
const TIMEOUT_MS = 5_000;

/**
 * Sets a preview's state as a commit status through the application's git provider. A
 * forge that cannot be reached never holds up or fails the preview: the first failure of a
 * deployment is logged once, later ones of the same deployment are not, nothing is retried.
 */
export function createStatusReporter(store: Store, warn: (message: string) => void) {
  const failed = new Set<string>();

  /** `key`: the deployment (or refused preview) the status is about: its failures are logged once. */
  return async function report(app: ApplicationRow, key: string, sha: string, status: CommitStatus): Promise<void> {
    const provider = providerOf(app, store.gitProviders); // none for a plain git URL: no forge API to report to
    const repo = sourceRepository(app)?.path;
    if (!provider || !repo) return;
    try {
      const signal = AbortSignal.timeout(TIMEOUT_MS);
      const req = statusRequests[provider.type](await providerAccess(provider, { signal }), repo, sha, status);
      const res = await fetch(req.url, { method: 'POST', headers: req.headers, body: JSON.stringify(req.body), signal });
      if (!res.ok) throw new Error(`HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`);
    } catch (err) {
      if (!failed.has(key)) warn(`could not set the ${provider.type} commit status for ${key} (${(err as Error).message}); the preview is not affected`);
      failed.add(key);
    } finally {
      if (status.state !== 'pending') failed.delete(key); // the last report about it
    }
  };
}
