import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cancelOutcome, type CancelFacts } from '../../src/deploy/cancel-outcome.js';

const why = 'cancelled by the user';

describe('the end of a cancelled deploy', () => {
  const table: Array<[string, CancelFacts, { status: string; applicationStatus: string; line: RegExp; errorMessage: string | RegExp }]> = [
    ['before the release, an app never deployed: idle', { why, change: { made: false } }, { status: 'cancelled', applicationStatus: 'idle', line: /the service was not changed/, errorMessage: why }],
    ['before the release, its service running: done', { why, change: { made: false }, service: { replicas: 2 } }, { status: 'cancelled', applicationStatus: 'done', line: /the service was not changed/, errorMessage: why }],
    ['before the release, its service stopped (0 replicas): idle', { why, change: { made: false }, service: { replicas: 0 } }, { status: 'cancelled', applicationStatus: 'idle', line: /the service was not changed/, errorMessage: why }],
    ['before the release, a global service (no replica count): done', { why, change: { made: false }, service: {} }, { status: 'cancelled', applicationStatus: 'done', line: /the service was not changed/, errorMessage: why }],
    ['an update undone, the previous version running: done', { why, change: { made: true, created: false }, service: { replicas: 1 } }, { status: 'cancelled', applicationStatus: 'done', line: /the service runs its previous version again/, errorMessage: why }],
    ['an update undone back to a stopped service: idle', { why, change: { made: true, created: false }, service: { replicas: 0 } }, { status: 'cancelled', applicationStatus: 'idle', line: /the service runs its previous version again/, errorMessage: why }],
    ['a new service removed: idle', { why, change: { made: true, created: true } }, { status: 'cancelled', applicationStatus: 'idle', line: /the new service was removed/, errorMessage: why }],
    [
      'the undo failed: error, with both reasons',
      { why, change: { made: true, created: false, revertError: 'update out of sequence' } },
      { status: 'error', applicationStatus: 'error', line: /could not be returned to its previous version: update out of sequence/, errorMessage: /^cancelled by the user; the service could not be returned to its previous version: update out of sequence$/ },
    ],
    [
      'the undo failed: a service still running does not make it done',
      { why, change: { made: true, created: true, revertError: 'daemon gone' }, service: { replicas: 1 } },
      { status: 'error', applicationStatus: 'error', line: /could not be returned/, errorMessage: /daemon gone/ },
    ],
  ];
  for (const [name, facts, want] of table)
    test(name, () => {
      const { end, line } = cancelOutcome(facts);
      assert.equal(end.status, want.status);
      assert.equal(end.applicationStatus, want.applicationStatus);
      assert.match(line, want.line);
      if (typeof want.errorMessage === 'string') assert.equal(end.errorMessage, want.errorMessage);
      else assert.match(end.errorMessage ?? '', want.errorMessage);
      if (end.status === 'cancelled') assert.match(line, new RegExp(`^Deployment cancelled \\(${why}\\)`));
    });
});
