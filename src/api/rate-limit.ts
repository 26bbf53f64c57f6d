/**
 * Fixed-window request counter per key (a token id, or the client IP when a request
 * carries no valid token). It runs before authentication, so guessing tokens from one
 * address is limited too.
 */
export class RateLimiter {
  private windows = new Map<string, { count: number; resetAt: number }>();
  private sweepAt = 0;

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
  ) {}

  /** Counts one request; returns the seconds to wait when over the limit, else 0. */
  hit(key: string, now = Date.now()): number {
    if (now >= this.sweepAt) this.sweep(now);
    let w = this.windows.get(key);
    if (!w || now >= w.resetAt) {
      w = { count: 0, resetAt: now + this.windowMs };
      this.windows.set(key, w);
    }
    w.count++;
    return w.count > this.max ? Math.ceil((w.resetAt - now) / 1000) : 0;
  }

  /** Drops expired windows so the map stays as small as the set of active clients. */
  private sweep(now: number): void {
    for (const [key, w] of this.windows) if (now >= w.resetAt) this.windows.delete(key);
    this.sweepAt = now + this.windowMs;
  }
}
