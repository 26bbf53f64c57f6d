import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SwarmTask } from '../../src/docker/engine.js';
import { brokenTask, rolloutVerdict, type RolloutView, tasksOfRollout, timeoutError } from '../../src/docker/rollout-verdict.js';

// The rollout verdict from what Swarm reports, as tables. test/engine.test.ts proves the
// engine reads these facts off the real swarm and acts on the verdict.

const SINCE = Date.parse('2026-01-01T00:00:10Z');
let n = 0;
/** A task of spec `fu` (ForceUpdate), in `state`, desired `desired`. */
const task = (fu: number, state: string, desired = 'running', extra: Partial<SwarmTask['Status']> = {}): SwarmTask => ({
  ID: `task${++n}`,
  ServiceID: 'svc',
  Slot: 1,
  CreatedAt: '2026-01-01T00:00:11Z',
  DesiredState: desired,
  Spec: { ForceUpdate: fu },
  Status: { Timestamp: '2026-01-01T00:00:12Z', State: state, ...extra },
});
const view = (tasks: SwarmTask[], over: Partial<RolloutView> = {}): RolloutView => ({
  tasks,
  forceUpdate: 2,
  serviceForceUpdate: 2,
  job: false,
  wanted: 1,
  update: { state: 'updating' },
  failureAction: 'rollback',
  ...over,
});
const verdictOf = (tasks: SwarmTask[], over: Partial<RolloutView> = {}) => rolloutVerdict(view(tasks, over)).verdict;

describe('rollout verdict', () => {
  test('a start-first update: starting, then the old release in service discovery while its task runs on, then done once it is past running', () => {
    const rows: [string, SwarmTask[], string][] = [
      ['new task starting, old one serving', [task(2, 'starting'), task(1, 'running')], 'starting'],
      ['new task running, old one still desired running', [task(2, 'running'), task(1, 'running')], 'old release in service discovery'],
      ['new task running, old one told to shut down but running (in DNS, then 2 s before its stop signal)', [task(2, 'running'), task(1, 'running', 'shutdown')], 'old release in service discovery'],
      ['old one shut down', [task(2, 'running'), task(1, 'shutdown', 'shutdown')], 'done'],
      ['old one failed while stopping', [task(2, 'running'), task(1, 'failed', 'shutdown')], 'done'],
      ['old one gone from the node', [task(2, 'running'), task(1, 'orphaned', 'shutdown')], 'done'],
      ['a new service: nothing to replace', [task(2, 'running')], 'done'],
    ];
    for (const [what, tasks, expected] of rows) assert.equal(verdictOf(tasks, { update: {} }), expected, what);
  });

  test('a replaced task is out of service discovery once Swarm sent its container the stop signal (2 s after taking it out of DNS), before it has stopped', () => {
    const draining = () => task(1, 'running', 'shutdown', { ContainerStatus: { ContainerID: 'c-old' } });
    const rows: [string, SwarmTask, ReadonlySet<string> | undefined, string][] = [
      ['no stop signal seen yet', draining(), undefined, 'old release in service discovery'],
      ['a stop signal to another container', draining(), new Set(['c-other']), 'old release in service discovery'],
      ['its stop signal sent: draining, out of DNS', draining(), new Set(['c-old']), 'done'],
      ['a signal to an old task Swarm keeps running is no sign of anything', task(1, 'running', 'running', { ContainerStatus: { ContainerID: 'c-old' } }), new Set(['c-old']), 'old release in service discovery'],
      ['a task with no container (another node, not started) waits for its state', task(1, 'running', 'shutdown'), new Set(['c-old']), 'old release in service discovery'],
    ];
    for (const [what, old, stopSignalled, expected] of rows) assert.equal(verdictOf([task(2, 'running'), old], { stopSignalled }), expected, what);
  });

  test("a replaced task on a node that is down is not waited for: it keeps its node's last report (running) until the node returns, maybe never", () => {
    const onDead = { ...task(1, 'running', 'shutdown'), NodeID: 'dead' };
    const onLive = { ...task(1, 'running', 'shutdown'), NodeID: 'live' };
    assert.equal(verdictOf([task(2, 'running'), onDead], { downNodes: new Set(['dead']) }), 'done');
    assert.equal(verdictOf([task(2, 'running'), onDead], { downNodes: new Set(['other']) }), 'old release in service discovery');
    assert.equal(verdictOf([task(2, 'running'), onDead], {}), 'old release in service discovery');
    assert.deepEqual(rolloutVerdict(view([task(2, 'running'), onDead, onLive], { downNodes: new Set(['dead']) })).verdict, 'old release in service discovery');
  });

  test('the old release in service discovery names the tasks still there', () => {
    const running = task(2, 'running');
    const old = task(1, 'running', 'shutdown');
    assert.deepEqual(rolloutVerdict(view([running, old, task(1, 'shutdown', 'shutdown')])), { verdict: 'old release in service discovery', tasks: [running], lingering: [old] });
  });

  test('done names the running tasks, whose containers the engine confirms', () => {
    const running = task(2, 'running');
    assert.deepEqual(rolloutVerdict(view([running, task(1, 'shutdown', 'shutdown')])), { verdict: 'done', tasks: [running] });
  });

  test('replicas: done only once as many new tasks run as wanted and every replaced one is past running', () => {
    const rows: [string, SwarmTask[], string][] = [
      ['2 of 3 replaced', [task(2, 'running'), task(2, 'running'), task(1, 'running'), task(1, 'shutdown', 'shutdown')], 'starting'],
      ['3 of 3, the last old one stopping', [task(2, 'running'), task(2, 'running'), task(2, 'running'), task(1, 'running', 'shutdown')], 'old release in service discovery'],
      ['3 of 3, all old ones shut down', [task(2, 'running'), task(2, 'running'), task(2, 'running'), task(1, 'shutdown', 'shutdown')], 'done'],
      ['a new task that runs but is being shut down does not count', [task(2, 'running'), task(2, 'running'), task(2, 'running', 'shutdown')], 'starting'],
    ];
    for (const [what, tasks, expected] of rows) assert.equal(verdictOf(tasks, { wanted: 3 }), expected, what);
  });

  test('scaling: down to fewer replicas waits for the removed ones to stop; down to zero waits for every task to end', () => {
    assert.equal(verdictOf([task(2, 'running'), task(2, 'running', 'shutdown')], { wanted: 1 }), 'old release in service discovery');
    assert.equal(verdictOf([task(2, 'running'), task(2, 'shutdown', 'shutdown')], { wanted: 1 }), 'done');
    assert.equal(verdictOf([task(2, 'running', 'shutdown')], { wanted: 0 }), 'starting');
    assert.equal(verdictOf([task(2, 'shutdown', 'shutdown')], { wanted: 0 }), 'done');
  });

  test('a broken task fails the rollout at once, unless Swarm is rolling back: then the verdict waits for the previous version', () => {
    const failed = [task(2, 'failed', 'shutdown', { Err: 'task: non-zero exit (1)' }), task(1, 'running')];
    const failure = 'task: non-zero exit (1)';
    const rows: [string, Partial<RolloutView>, unknown][] = [
      ['no rollback configured', { failure, failureAction: 'pause' }, { verdict: 'failed', error: failure }],
      ['Swarm about to roll back', { failure }, { verdict: 'starting', failure, restoring: false }],
      ['Swarm rolling back', { failure, update: { state: 'rollback_started' } }, { verdict: 'starting', failure, restoring: false }],
      ['rolled back, previous version running', { failure, update: { state: 'rollback_completed' }, serviceForceUpdate: 1 }, { verdict: 'rolled back', error: `${failure} (Swarm rolled back: the previous version runs again)` }],
      ['update paused', { failure, update: { state: 'paused', message: 'update paused due to failure' } }, { verdict: 'failed', error: failure }],
      ['rollback paused, no task error known', { update: { state: 'rollback_paused', message: 'rollback paused' } }, { verdict: 'failed', error: 'rollback paused' }],
    ];
    for (const [what, over, expected] of rows) assert.deepEqual(rolloutVerdict(view(failed, over)), expected, what);
  });

  test('Swarm rolled back for a task never seen here: its own message is the error; the previous version must run again first', () => {
    const update = { state: 'rollback_completed', message: 'update rolled back due to failure or early termination of task x' };
    assert.deepEqual(rolloutVerdict(view([task(1, 'starting')], { update, serviceForceUpdate: 1 })), { verdict: 'starting', failure: update.message, restoring: true });
    assert.equal(rolloutVerdict(view([task(1, 'running')], { update, serviceForceUpdate: 1 })).verdict, 'rolled back');
  });

  test('jobs: done when the tasks completed; completing is no failure for a job, it is for a service', () => {
    assert.equal(verdictOf([task(2, 'complete', 'shutdown')], { job: true }), 'done');
    assert.equal(verdictOf([task(2, 'running')], { job: true }), 'starting');
    const completed = [task(2, 'complete', 'shutdown')];
    assert.equal(brokenTask(completed, true), undefined);
    assert.equal(brokenTask(completed, false), completed[0]);
    assert.equal(brokenTask([task(2, 'shutdown', 'shutdown'), task(2, 'running')], false), undefined);
    for (const state of ['failed', 'rejected', 'orphaned']) assert.equal(brokenTask([task(2, state, 'shutdown')], false)?.Status.State, state);
  });

  test('a new task no node may run (constraints, platform, no node available) fails the rollout at once with Swarm\'s reason; ports or resources in use wait', () => {
    const pending = (err: string | undefined, fu = 2, desired = 'running') => task(fu, 'pending', desired, err === undefined ? {} : { Err: err });
    const rows: [string, SwarmTask[], string][] = [
      ['constraints no node satisfies', [pending('no suitable node (scheduling constraints not satisfied on 3 nodes)'), task(1, 'running')], 'failed'],
      ['a single node, no platform', [pending('no suitable node (unsupported platform on 1 node)')], 'failed'],
      ['constraints on some nodes, platform on the others', [pending('no suitable node (scheduling constraints not satisfied on 2 nodes; unsupported platform on 1 node)')], 'failed'],
      ['constraints on the nodes left when the others are drained (Swarm\'s words on the lab)', [pending('no suitable node (2 nodes not available for new tasks; scheduling constraints not satisfied on 1 node)')], 'failed'],
      ['every node drained', [pending('no suitable node (3 nodes not available for new tasks)')], 'failed'],
      ['a host-mode port still held by the task being replaced', [pending('no suitable node (host-mode port already in use on 1 node)'), task(1, 'running')], 'starting'],
      ['constraints on some nodes, the port on the one left', [pending('no suitable node (scheduling constraints not satisfied on 2 nodes; host-mode port already in use on 1 node)')], 'starting'],
      ['resources reserved by running tasks', [pending('no suitable node (insufficient resources on 3 nodes)')], 'starting'],
      ['pending without a reason yet', [pending(undefined)], 'starting'],
      ['an unplaceable task of the previous spec, already being replaced', [pending('no suitable node (scheduling constraints not satisfied on 3 nodes)', 1, 'shutdown'), task(2, 'starting')], 'starting'],
    ];
    for (const [what, tasks, expected] of rows) assert.equal(verdictOf(tasks, { update: { state: 'updating' } }), expected, what);
    assert.deepEqual(rolloutVerdict(view([pending('no suitable node (scheduling constraints not satisfied on 3 nodes)')], { update: { state: 'updating' } })), {
      verdict: 'failed',
      error: 'Swarm cannot place the new tasks on any node: no suitable node (scheduling constraints not satisfied on 3 nodes)',
    });
  });

  test("the rollout's tasks are those of its spec created since it began", () => {
    const earlier = { ...task(2, 'failed'), CreatedAt: '2026-01-01T00:00:05Z' };
    const mine = task(2, 'running');
    assert.deepEqual(tasksOfRollout([mine, earlier, task(1, 'running')], 2, SINCE), [mine]);
  });

  test('a timeout says what was awaited', () => {
    const rows: [Parameters<typeof timeoutError>[0], RegExp][] = [
      [undefined, /^The new tasks of web were not running after 60 s; last: task x: pending$/],
      [{ verdict: 'starting', restoring: false }, /were not running after 60 s/],
      [{ verdict: 'starting', failure: 'boom', restoring: false }, /^boom \(Swarm's rollback had not finished after 60 s\)$/],
      [{ verdict: 'starting', failure: 'boom', restoring: true }, /^boom \(Swarm rolled back, but the previous version was not running after 60 s\)$/],
      [{ verdict: 'old release in service discovery', tasks: [], lingering: [] }, /^The new tasks of web run, but tasks of the release they replace were still running after 60 s$/],
    ];
    for (const [last, expected] of rows) assert.match(timeoutError(last, 'web', 60, 'task x: pending'), expected);
  });
});
