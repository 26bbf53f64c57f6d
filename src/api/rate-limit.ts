/**
 * Token buckets per key (a token id, or the client IP when a request carries no valid
 * token). A bucket holds up to `max` requests and refills at `max` per `windowMs`: a person
 * clicking through the dashboard (bursts of a few requests, long pauses) never empties it,
 * while a flood does within one burst and is then held to the steady rate. It runs before
 * authentication, so guessing tokens from one address is limited too.
 */

export interface Bucket {
  /** Requests that may still be made now (fractions refill continuously). */
  tokens: number;
  /** When `tokens` was last brought up to date. */
  at: number;
}

export interface BucketRule {
  /** Burst capacity: what a full bucket holds. */
  max: number;
  /** Time to refill an empty bucket completely. */
  windowMs: number;
}

/**
 * One request against a bucket (pure): the bucket after it, and the whole seconds to wait
 * before the next request may pass (0 when this one passes). A refused request takes nothing.
 */
export function take(bucket: Bucket | undefined, rule: BucketRule, now: number): { bucket: Bucket; wait: number } {
  const perMs = rule.max / rule.windowMs;
  const tokens = available(bucket, rule, now);
  if (tokens >= 1) return { bucket: { tokens: tokens - 1, at: now }, wait: 0 };
  return { bucket: { tokens, at: now }, wait: Math.max(1, Math.ceil((1 - tokens) / perMs / 1000 - 1e-9)) }; // the epsilon absorbs floating-point error
}

/** What the bucket holds at `now` (a new key's bucket is full). */
export function available(bucket: Bucket | undefined, rule: BucketRule, now: number): number {
  if (!bucket) return rule.max;
  return Math.min(rule.max, bucket.tokens + (Math.max(0, now - bucket.at) * rule.max) / rule.windowMs);
}

export class RateLimiter {
  private buckets = new Map<string, Bucket>();
  private sweepAt = 0;

  constructor(private readonly rule: BucketRule) {}

  /** Counts one request; returns the seconds to wait when over the limit, else 0. */
  hit(key: string, now = Date.now()): number {
    if (now >= this.sweepAt) this.sweep(now);
    const { bucket, wait } = take(this.buckets.get(key), this.rule, now);
    this.buckets.set(key, bucket);
    return wait;
  }

  /** Drops buckets that have refilled (a full bucket is what a new key gets), so the map stays as small as the set of active clients. */
  private sweep(now: number): void {
    for (const [key, b] of this.buckets) if (available(b, this.rule, now) >= this.rule.max) this.buckets.delete(key);
    this.sweepAt = now + this.rule.windowMs;
  }
}
