import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import Docker from 'dockerode';
import { createEngine, dockerClientOptions, type SwarmTask } from '../src/docker/engine.js';
import { resolveEndpointMode } from '../src/docker/endpoint-mode.js';
import { serviceSpec, type ServiceSource } from '../src/docker/service-spec.js';
import { serviceTasks, taskState, type TaskState } from '../src/docker/tasks.js';
import { serviceSource } from './helpers/service-source.js';
import { readTestEnv } from './helpers/test-env.js';

// Limits and policies of an application, as the running tasks get them from the engine.

const testEnv = readTestEnv();
const RUN = `lt${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const SECOND = 1_000_000_000;
const MB = 1024 * 1024;

const task = (over: Partial<SwarmTask> & { Status: SwarmTask['Status'] }): SwarmTask => ({
  ID: 't1',
  ServiceID: 's1',
  Slot: 1,
  NodeID: 'n1',
  CreatedAt: '2026-01-01T00:00:00Z',
  DesiredState: 'shutdown',
  Spec: {},
  ...over,
});

describe('taskState', () => {
  test('the container\'s own state wins: OOMKilled, exit code and times', () => {
    const t = task({ Status: { Timestamp: '2026-01-01T00:00:09Z', State: 'failed', Err: 'task: non-zero exit (137)', ContainerStatus: { ContainerID: 'c1', ExitCode: 137 } } });
    const s = taskState(t, { Running: false, OOMKilled: true, ExitCode: 137, StartedAt: '2026-01-01T00:00:01Z', FinishedAt: '2026-01-01T00:00:08Z' });
    assert.deepEqual(s, {
      taskId: 't1',
      slot: 1,
      nodeId: 'n1',
      state: 'failed',
      desiredState: 'shutdown',
      message: null,
      error: 'task: non-zero exit (137)',
      exitCode: 137,
      oomKilled: true,
      createdAt: '2026-01-01T00:00:00Z',
      startedAt: '2026-01-01T00:00:01Z',
      finishedAt: '2026-01-01T00:00:08Z',
    });
    // killed by SIGKILL for another reason (docker kill): the container says it was no OOM
    assert.equal(taskState(t, { Running: false, OOMKilled: false, ExitCode: 137 }).oomKilled, false);
  });

  test('without the container: exit 137 of a failed task is taken for an OOM kill, a stop by Swarm is not', () => {
    const failed = task({ Status: { Timestamp: '2026-01-01T00:00:09Z', State: 'failed', ContainerStatus: { ContainerID: 'c1', ExitCode: 137 } } });
    assert.deepEqual([taskState(failed, undefined).oomKilled, taskState(failed, undefined).exitCode, taskState(failed, undefined).finishedAt], [true, 137, '2026-01-01T00:00:09Z']);
    const stopped = task({ Status: { Timestamp: '2026-01-01T00:00:09Z', State: 'shutdown', ContainerStatus: { ContainerID: 'c1', ExitCode: 137 } } });
    assert.equal(taskState(stopped, undefined).oomKilled, false);
  });

  test('a running task has no exit code and no end; a task that never got a container has no exit code', () => {
    const running = task({ DesiredState: 'running', Status: { Timestamp: '2026-01-01T00:00:02Z', State: 'running', Message: 'started', ContainerStatus: { ContainerID: 'c1', ExitCode: 0 } } });
    const s = taskState(running, { Running: true, ExitCode: 0, StartedAt: '2026-01-01T00:00:01Z', FinishedAt: '0001-01-01T00:00:00Z' });
    assert.deepEqual([s.exitCode, s.finishedAt, s.startedAt, s.message], [null, null, '2026-01-01T00:00:01Z', 'started']);
    const rejected = task({ Status: { Timestamp: '2026-01-01T00:00:02Z', State: 'rejected', Err: 'No such image: x' } });
    assert.deepEqual([taskState(rejected, undefined).exitCode, taskState(rejected, undefined).error], [null, 'No such image: x']);
  });
});

describe('limits and policies on the real swarm', () => {
  const engine = createEngine({ docker: { host: testEnv.dockerHost } });
  const docker = new Docker(dockerClientOptions(testEnv.dockerHost));
  const endpointMode = resolveEndpointMode('auto', testEnv.dockerHost);
  const services = new Set<string>();
  const log: string[] = [];

  async function deploy(source: ServiceSource) {
    services.add(source.appName);
    const spec = serviceSpec(source, { image: 'busybox:latest', endpointMode, network: testEnv.network, filesDir: '/nonexistent', labels: { 'berth.test': RUN } });
    const rollout = await engine.applyService(spec);
    await engine.waitForRollout(source.appName, rollout, { timeoutMs: 60_000, log: (l) => log.push(`${source.appName}: ${l}`) });
  }

  const running = async (name: string) => (await engine.listTasks(name)).filter((t) => t.Status.State === 'running' && t.DesiredState === 'running');

  let managerNodeId: string;
  before(async () => {
    managerNodeId = ((await docker.info()) as { Swarm: { NodeID: string } }).Swarm.NodeID;
  });

  after(async () => {
    for (const s of services) await engine.removeService(s);
    if (process.env.BERTH_TEST_VERBOSE) console.log(log.join('\n'));
  });

  test('memory and CPU limits and reservations, restart policy, replicas, placement and labels reach the running tasks', async () => {
    const name = `${RUN}-limits`;
    const restartPolicySwarm = { Condition: 'on-failure', Delay: 2 * SECOND, MaxAttempts: 3, Window: 30 * SECOND };
    await deploy(
      serviceSource({
        appName: name,
        applicationId: `id-${name}`,
        command: 'sleep 300',
        memoryLimit: String(64 * MB),
        memoryReservation: String(16 * MB),
        cpuLimit: String(SECOND / 2),
        cpuReservation: String(SECOND / 10),
        replicas: 2,
        restartPolicySwarm,
        placementSwarm: { Constraints: ['node.role==manager'] },
        labelsSwarm: { 'com.example.tier': 'web' },
        stopGracePeriodSwarm: SECOND, // sleep as PID 1 ignores SIGTERM
      }),
    );

    const service = (await engine.inspectService(name))!;
    const template = service.Spec!.TaskTemplate as Docker.ContainerTaskSpec;
    assert.deepEqual(template.Resources, { Limits: { MemoryBytes: 64 * MB, NanoCPUs: SECOND / 2 }, Reservations: { MemoryBytes: 16 * MB, NanoCPUs: SECOND / 10 } });
    assert.deepEqual(template.RestartPolicy, restartPolicySwarm);
    assert.deepEqual(template.Placement?.Constraints, ['node.role==manager']);
    assert.deepEqual(service.Spec!.Mode, { Replicated: { Replicas: 2 } });
    assert.equal(service.Spec!.Labels?.['berth.appName'], name);

    const tasks = await running(name);
    assert.equal(tasks.length, 2);
    for (const t of tasks) {
      assert.equal(t.NodeID, managerNodeId, 'placed on the manager');
      // the task (`docker inspect <task>`) carries every setting; reservations are the scheduler's
      const inspected = (await docker.getTask(t.ID).inspect()) as { Spec: Docker.ContainerTaskSpec };
      assert.deepEqual(inspected.Spec.Resources, template.Resources);
      assert.deepEqual(inspected.Spec.RestartPolicy, restartPolicySwarm);
      assert.deepEqual(inspected.Spec.Placement?.Constraints, ['node.role==manager']);
      // the kernel enforces the limits on the container
      const c = await docker.getContainer(t.Status.ContainerStatus!.ContainerID!).inspect();
      assert.equal(c.State.Running, true);
      assert.equal(c.HostConfig.Memory, 64 * MB);
      assert.equal(c.HostConfig.NanoCpus, SECOND / 2);
      assert.equal(c.Config.Labels['com.example.tier'], 'web');
      assert.equal(c.Config.Labels['com.docker.swarm.service.name'], name);
    }
  });

  test('a task that exceeds its memory limit is OOM-killed, restarted per its policy, and given up after MaxAttempts', async () => {
    const name = `${RUN}-oom`;
    services.add(name);
    // runs 3 s, then holds 200 MB in a shell variable under a 32 MB limit (no swap beyond it)
    const source = serviceSource({
      appName: name,
      applicationId: `id-${name}`,
      command: 'sh',
      args: ['-c', 'sleep 3; x=$(head -c 200m /dev/zero | tr "\\0" a); echo survived; sleep 300'],
      memoryLimit: String(32 * MB),
      restartPolicySwarm: { Condition: 'on-failure', Delay: SECOND, MaxAttempts: 2, Window: 120 * SECOND },
      stopGracePeriodSwarm: SECOND, // sleep as PID 1 ignores SIGTERM
    });
    await deploy(source);

    // the first task dies of OOM, and Swarm starts a newer one in its place
    let seen: TaskState[] = [];
    const deadline = Date.now() + 30_000;
    for (;;) {
      seen = await serviceTasks(engine, name);
      const killed = seen.find((t) => t.oomKilled);
      if (killed && seen.some((t) => t.state === 'running' && t.createdAt > killed.createdAt)) break;
      assert.ok(Date.now() < deadline, `no OOM kill followed by a restart: ${JSON.stringify(seen)}`);
      await sleep(200);
    }
    const killed = seen.find((t) => t.oomKilled)!;
    assert.equal(killed.state, 'failed');
    assert.equal(killed.exitCode, 137);
    assert.equal(killed.error, 'task: non-zero exit (137)');
    assert.ok(killed.startedAt && killed.finishedAt && Date.parse(killed.finishedAt) - Date.parse(killed.startedAt) >= 3000);

    // MaxAttempts 2: the first task and two restarts, all killed, then no more
    let final: TaskState[] = [];
    for (;;) {
      final = await serviceTasks(engine, name);
      if (final.length >= 3 && final.every((t) => t.state === 'failed')) break;
      assert.ok(Date.now() < deadline + 30_000, `not given up after 3 OOM kills: ${JSON.stringify(final)}`);
      await sleep(500);
    }
    await sleep(3000); // a fourth would start after the 1 s delay
    final = await serviceTasks(engine, name);
    assert.equal(final.length, 3, JSON.stringify(final));
    for (const t of final) assert.deepEqual([t.state, t.exitCode, t.oomKilled, t.desiredState], ['failed', 137, true, 'shutdown']);
  });
});
