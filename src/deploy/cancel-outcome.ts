import type { JobEnd } from '../store/deployments.js';

/** What a cancelled deploy found when it stopped. */
export interface CancelFacts {
  /** The cancel's reason, as the caller gave it. */
  why: string;
  /**
   * The service change the job had made: none (the cancel came before the release), or
   * one that was undone (`created`: the service was new, so undoing removed it) or whose
   * undoing failed (`revertError`).
   */
  change: { made: false } | { made: true; created: boolean; revertError?: string };
  /** The service after the cancel (undefined: there is none); read only when the undo did not fail. */
  service?: { replicas?: number };
}

export interface CancelOutcome {
  end: JobEnd;
  /** The deployment log's last line before its end marker. */
  line: string;
}

/**
 * How a cancelled deploy ends. It ends `cancelled`, and the application's status is what
 * its service is now doing (running: `done`; none or scaled to 0: `idle`), unless the
 * change could not be undone: then it is an `error`, as the service is in neither version.
 */
export function cancelOutcome({ why, change, service }: CancelFacts): CancelOutcome {
  if (change.made && change.revertError !== undefined)
    return {
      end: { status: 'error', errorMessage: `${why}; the service could not be returned to its previous version: ${change.revertError}`, applicationStatus: 'error' },
      line: `Deployment cancelled, but the service could not be returned to its previous version: ${change.revertError}`,
    };
  const line = !change.made
    ? `Deployment cancelled (${why}); the service was not changed`
    : change.created
      ? `Deployment cancelled (${why}); the new service was removed`
      : `Deployment cancelled (${why}); the service runs its previous version again`;
  // A global service has no replica count: it runs.
  const running = service !== undefined && service.replicas !== 0;
  return { end: { status: 'cancelled', errorMessage: why, applicationStatus: running ? 'done' : 'idle' }, line };
}
