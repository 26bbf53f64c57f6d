import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applicationChanges, deploymentChanges, NOT_DEPLOYED, wants, type ApplicationEvent, type DeploymentEvent } from '../../src/model/live-events.js';

const app = (applicationId: string, over: Partial<ApplicationEvent> = {}): ApplicationEvent => ({
  applicationId,
  environmentId: 'env1',
  applicationStatus: 'idle',
  health: NOT_DEPLOYED,
  ...over,
});
const dep = (deploymentId: string, over: Partial<DeploymentEvent> = {}): DeploymentEvent => ({ deploymentId, applicationId: 'a1', status: 'running', stage: 'queued', ...over });
const byId = <T>(rows: T[], key: (r: T) => string) => new Map(rows.map((r) => [key(r), r]));

describe('what the event stream sends', () => {
  test('an application is sent when it is new, or its status, health or environment changed; unchanged ones are not', () => {
    const sent = byId([app('a1'), app('a2'), app('a3'), app('a4')], (a) => a.applicationId);
    const now = [
      app('a1'),
      app('a2', { applicationStatus: 'running' }),
      app('a3', { health: { status: 'running', desired: 1, running: 1 } }),
      app('a4', { environmentId: 'env2' }),
      app('a5'),
    ];
    assert.deepEqual(
      applicationChanges(sent, now).map((a) => a.applicationId),
      ['a2', 'a3', 'a4', 'a5'],
    );
  });

  test("a change of a service's running task count alone is sent (1/2 → 2/2)", () => {
    const before = app('a1', { health: { status: 'starting', desired: 2, running: 1 } });
    const sent = byId([before], (a) => a.applicationId);
    assert.deepEqual(applicationChanges(sent, [app('a1', { health: { status: 'starting', desired: 2, running: 2 } })]).length, 1);
    assert.deepEqual(applicationChanges(sent, [{ ...before, health: { ...before.health } }]), []);
  });

  test('a deployment is sent when it appears, and when its stage or status changes', () => {
    const seen = byId([dep('d1'), dep('d2'), dep('d3', { stage: 'building' })], (d) => d.deploymentId);
    const now = [dep('d1'), dep('d2', { stage: 'building' }), dep('d3', { stage: 'building', status: 'error' }), dep('d4')];
    assert.deepEqual(
      deploymentChanges(seen, now).map((d) => d.deploymentId),
      ['d2', 'd3', 'd4'],
    );
  });

  test('filters: none wants everything; a project or an application only its own; an unknown application only unfiltered streams', () => {
    const a = { applicationId: 'a1', projectId: 'p1' };
    assert.equal(wants({}, a), true);
    assert.equal(wants({}, undefined), true);
    assert.equal(wants({ projectId: 'p1' }, a), true);
    assert.equal(wants({ projectId: 'p2' }, a), false);
    assert.equal(wants({ applicationId: 'a1' }, a), true);
    assert.equal(wants({ applicationId: 'a2' }, a), false);
    assert.equal(wants({ projectId: 'p1', applicationId: 'a2' }, a), false);
    assert.equal(wants({ projectId: 'p1' }, undefined), false);
  });
});
