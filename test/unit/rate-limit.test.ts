import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RateLimiter, take, type Bucket } from '../../src/api/rate-limit.js';
import { startTestBerth, type TestBerth } from '../helpers/berth.js';

/** The defaults: BERTH_RATE_LIMIT 600 per BERTH_RATE_WINDOW_MS 60000. */
const rule = { max: 600, windowMs: 60_000 };

/** Sends `count` requests `gapMs` apart from `start` on one key; returns how many were refused. */
function send(limiter: RateLimiter, start: number, count: number, gapMs: number, key = 'token:a'): number {
  let refused = 0;
  for (let i = 0; i < count; i++) if (limiter.hit(key, start + i * gapMs) > 0) refused++;
  return refused;
}

describe('rate limiter decisions (token bucket, injected clock)', () => {
  test('a full bucket lets a burst of BERTH_RATE_LIMIT through; the next request waits for one request of refill', () => {
    const small = { max: 5, windowMs: 60_000 };
    let b: Bucket | undefined;
    for (let i = 0; i < 5; i++) {
      const r = take(b, small, 1000);
      assert.equal(r.wait, 0, `request ${i + 1}`);
      b = r.bucket;
    }
    const refused = take(b, small, 1000);
    assert.equal(refused.wait, 12, 'one request refills in 60 s / 5');
    // a refused request takes nothing: after the wait it passes
    assert.equal(take(refused.bucket, small, 1000 + 12_000).wait, 0);
    assert.equal(take(refused.bucket, small, 1000 + 11_000).wait, 1);
  });

  test('a person: a dashboard open for an hour, bursts of 30 requests every 10 s, live streams reopened every minute, is never refused', () => {
    const limiter = new RateLimiter(rule);
    let refused = 0;
    for (let t = 0; t < 3_600_000; t += 10_000) {
      refused += send(limiter, t, 30, 20); // a page's queries at once
      if (t % 60_000 === 0) refused += send(limiter, t + 1000, 3, 0); // streams reconnecting
    }
    assert.equal(refused, 0);
  });

  test('a flood: 50 requests a second is refused after the burst and held to the steady rate', () => {
    const limiter = new RateLimiter(rule);
    const sent = 50 * 120; // two minutes
    const refused = send(limiter, 0, sent, 20);
    const passed = sent - refused;
    // the burst (600), then 10 a second for the rest of the two minutes
    assert.ok(passed >= 600 + 1190 && passed <= 600 + 1200, `passed ${passed}`);
    assert.ok(limiter.hit('token:a', 120_000) > 0, 'still refused while the flood goes on');
  });

  test('keys are counted apart, and a key that went quiet starts again with a full bucket', () => {
    const limiter = new RateLimiter({ max: 3, windowMs: 1000 });
    assert.equal(send(limiter, 0, 4, 0, 'ip:1'), 1);
    assert.equal(send(limiter, 0, 3, 0, 'ip:2'), 0);
    assert.equal(send(limiter, 5000, 3, 0, 'ip:1'), 0);
  });
});

describe('rate limiting on the server', () => {
  let b: TestBerth;
  before(async () => {
    b = await startTestBerth({ BERTH_RATE_LIMIT: '5', BERTH_RATE_WINDOW_MS: '60000' });
  });
  after(() => b.close());

  test("the dashboard's static files do not use up an address's API budget, and have a bucket of their own", async () => {
    // not built here: the dashboard route answers 404, counted all the same
    for (let i = 0; i < 5; i++) assert.notEqual((await fetch(`${b.url}/project/x`)).status, 429);
    assert.equal((await fetch(`${b.url}/project/x`)).status, 429, 'a flood of static requests is refused too');
    // the address's API bucket is untouched: a request without a token is answered 401, not 429
    assert.equal((await b.call('project.all', {}, { token: null })).status, 401);
    assert.equal((await b.call('project.all')).status, 200);
  });
});
