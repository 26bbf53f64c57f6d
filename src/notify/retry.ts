/** The longest wait between two attempts, however many came before. */
const MAX_BACKOFF_MS = 60 * 60_000;

/**
 * When a message that failed its `attempts`-th attempt is tried again (epoch ms): after
 * `firstDelayMs`, doubling each time, or null once `maxAttempts` have been made.
 */
export function retryAt(attempts: number, maxAttempts: number, firstDelayMs: number, now: number): number | null {
  if (attempts >= maxAttempts) return null;
  return now + Math.min(firstDelayMs * 2 ** Math.max(0, attempts - 1), MAX_BACKOFF_MS);
}
