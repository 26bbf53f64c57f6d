import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { joinAnswer, type JoinFacts } from '../../src/cluster/join.js';
import { findNode, nodeSummary } from '../../src/cluster/nodes.js';
import { removalPlan } from '../../src/cluster/removal.js';
import type { SwarmNode } from '../../src/model/cluster.js';
import { BerthError } from '../../src/model/errors.js';

// The cluster's decisions, as tables: what a joining machine runs, what removing a node
// does, how a node is summed up. test/cluster-api.test.ts runs them on the lab's Swarm.

const facts = (over: Partial<JoinFacts> = {}): JoinFacts => ({
  isManager: true,
  tokens: { Worker: 'SWMTKN-1-worker', Manager: 'SWMTKN-1-manager' },
  managerAddr: '10.231.0.1:2377',
  nodeAddr: '10.231.0.1',
  engineVersion: '20.10.24',
  ...over,
});

const refusal = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof BerthError, `a BerthError, not ${err}`);
    return `${err.status} ${err.message}`;
  }
  assert.fail('expected a refusal');
};

describe('join answer', () => {
  test('the command names the role\'s token and the address the manager advertises, with its port', () => {
    const rows: [string, 'worker' | 'manager', Partial<JoinFacts>, string][] = [
      ['a worker', 'worker', {}, 'docker swarm join --token SWMTKN-1-worker 10.231.0.1:2377'],
      ['a manager', 'manager', {}, 'docker swarm join --token SWMTKN-1-manager 10.231.0.1:2377'],
      ['a swarm listening on another port', 'worker', { managerAddr: '192.168.1.5:4567' }, 'docker swarm join --token SWMTKN-1-worker 192.168.1.5:4567'],
      ['no listen address known: the advertised one on 2377', 'worker', { managerAddr: undefined }, 'docker swarm join --token SWMTKN-1-worker 10.231.0.1:2377'],
      ['IPv6', 'worker', { managerAddr: undefined, nodeAddr: 'fd00::1' }, 'docker swarm join --token SWMTKN-1-worker [fd00::1]:2377'],
    ];
    for (const [what, role, over, command] of rows) {
      const answer = joinAnswer(role, facts(over));
      assert.equal(answer.command, command, what);
      assert.equal(answer.version, '20.10.24', what);
      assert.equal(answer.role, role);
      assert.equal(answer.command, `docker swarm join --token ${answer.token} ${answer.address}`, what);
    }
  });

  test('a swarm no other machine can reach, or an engine that is no manager, is a 409 saying why', () => {
    const rows: [string, Partial<JoinFacts>, RegExp][] = [
      ['loopback advertise address (the single-node test swarm)', { managerAddr: '127.0.0.1:2377' }, /^409 The Swarm advertises 127\.0\.0\.1:2377, which no other machine can reach/],
      ['loopback node address', { managerAddr: undefined, nodeAddr: '127.0.0.1' }, /^409 .*127\.0\.0\.1:2377.*--advertise-addr/],
      ['IPv6 loopback', { managerAddr: '[::1]:2377' }, /^409 The Swarm advertises \[::1\]:2377/],
      ['no address at all', { managerAddr: undefined, nodeAddr: undefined }, /^409 The Swarm does not say which address/],
      ['a worker engine', { isManager: false }, /^409 .*not a Swarm manager/],
      ['no token', { tokens: {} }, /^409 The Swarm gave no worker join token/],
    ];
    for (const [what, over, expected] of rows) assert.match(refusal(() => joinAnswer('worker', facts(over))), expected, what);
  });
});

let n = 0;
const node = (role: 'manager' | 'worker', over: { id?: string; hostname?: string; availability?: string; state?: string; reachability?: string } = {}): SwarmNode => ({
  ID: over.id ?? `node${++n}xxxxxxxxxxxxxxxxxx`,
  Spec: { Role: role, Availability: over.availability ?? 'active', Labels: {} },
  Description: { Hostname: over.hostname ?? `host${n}`, Resources: { NanoCPUs: 2e9, MemoryBytes: 4 * 2 ** 30 } },
  Status: { State: over.state ?? 'ready', Addr: '10.231.0.11' },
  ...(role === 'manager' && { ManagerStatus: { Reachability: over.reachability ?? 'reachable', Leader: false } }),
});

const self = node('manager', { id: 'self-manager-id-0000', hostname: 'berth-host' });

describe('removal plan', () => {
  test('a worker is drained, its tasks awaited, made to leave when Berth reaches its engine, then removed', () => {
    const rows: [string, SwarmNode, boolean, string[]][] = [
      ['an active worker Berth reaches', node('worker', { hostname: 'w1' }), true, ['drain', 'wait for tasks', 'leave', 'remove']],
      ['an active worker Berth does not reach', node('worker', { hostname: 'w1' }), false, ['drain', 'wait for tasks', 'remove']],
      ['a worker already drained', node('worker', { hostname: 'w1', availability: 'drain' }), true, ['wait for tasks', 'leave', 'remove']],
      ['a worker that is down: nothing left to move or to tell', node('worker', { hostname: 'w1', state: 'down' }), true, ['drain', 'remove']],
      ['a second manager is demoted first', node('manager', { hostname: 'm2' }), true, ['demote', 'drain', 'wait for tasks', 'leave', 'remove']],
    ];
    for (const [what, target, reachable, steps] of rows) {
      const plan = removalPlan([self, target], target.Description!.Hostname!, self.ID, { reachable });
      assert.deepEqual(plan.steps, steps, what);
      assert.equal(plan.node, target, what);
    }
  });

  test('the node Berth runs on, the last reachable manager and an unknown node are refused, naming the node', () => {
    const worker = node('worker', { hostname: 'w1' });
    const lone = node('manager', { hostname: 'm2' });
    const unreachable = node('manager', { hostname: 'm3', reachability: 'unreachable' });
    const rows: [string, SwarmNode[], string, string, RegExp][] = [
      ['Berth\'s own node, by ID', [self, worker], self.ID, self.ID, /^409 Berth runs on node berth-host \(self-manager-id-0000\)/],
      ['Berth\'s own node, by hostname', [self, worker], 'berth-host', self.ID, /^409 Berth runs on node berth-host/],
      ['the last reachable manager (Berth on a worker)', [lone, unreachable, worker], 'm2', worker.ID, /^409 Node m2 is the Swarm's last reachable manager/],
      ['no such node', [self, worker], 'nope', self.ID, /^404 Node "nope" was not found/],
    ];
    for (const [what, nodes, ref, selfId, expected] of rows) assert.match(refusal(() => removalPlan(nodes, ref, selfId, { reachable: true })), expected, what);
  });
});

describe('nodes', () => {
  test('a node is found by ID, unique hostname or unique 12+ character ID prefix, as docker node inspect resolves it', () => {
    const a = node('worker', { id: 'abcdefabcdef111111111111', hostname: 'twin' });
    const b = node('worker', { id: 'abcdefabcdef222222222222', hostname: 'twin' });
    const c = node('worker', { id: 'ffffffffffff333333333333', hostname: 'solo' });
    const nodes = [a, b, c];
    const rows: [string, SwarmNode | undefined][] = [
      ['abcdefabcdef111111111111', a],
      ['solo', c],
      ['ffffffffffff', c],
      ['twin', undefined],
      ['abcdefabcdef', undefined],
      ['ffff', undefined],
    ];
    for (const [ref, expected] of rows) assert.equal(findNode(nodes, ref), expected, ref);
  });

  test('the summary shows role, availability, state, address, CPUs, memory, labels and the engine endpoint', () => {
    const w = node('worker', { id: 'w-id', hostname: 'berth-node-1', availability: 'drain' });
    w.Spec!.Labels = { 'berth.engine': 'unix:///run/berth-node-1.sock', zone: 'a' };
    assert.deepEqual(nodeSummary(w, 'other'), {
      nodeId: 'w-id',
      hostname: 'berth-node-1',
      role: 'worker',
      availability: 'drain',
      state: 'ready',
      address: '10.231.0.11',
      managerStatus: null,
      self: false,
      cpus: 2,
      memoryBytes: 4 * 2 ** 30,
      labels: { 'berth.engine': 'unix:///run/berth-node-1.sock', zone: 'a' },
      engineVersion: '',
      engine: 'unix:///run/berth-node-1.sock',
    });
    assert.equal(nodeSummary({ ...self, ManagerStatus: { Leader: true } }, self.ID).managerStatus, 'leader');
    assert.equal(nodeSummary(self, self.ID).self, true);
  });
});
