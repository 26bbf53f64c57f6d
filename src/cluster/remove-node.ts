import { setTimeout as sleep } from 'node:timers/promises';
import { leaveSwarm, type NodeEngines, type SwarmNodes } from '../docker/nodes.js';
import { ENGINE_LABEL } from '../model/cluster.js';
import { findNode } from './nodes.js';
import { removalPlan, type RemovalStep } from './removal.js';

/** What `cluster.removeWorker` did, step by step. */
export interface RemovalReport {
  nodeId: string;
  hostname: string;
  steps: { step: RemovalStep; detail: string }[];
  /** Tasks still on the node when it was removed (0 when they all moved in time). */
  tasksLeft: number;
  removed: true;
}

const POLL_MS = 250;
/** How long a node that left may take to show as down before it is removed with force. */
const LEAVE_DOWN_MS = 15_000;

/** Runs removalPlan: demote, drain, wait (bounded) for the tasks to move, leave, remove. */
export async function removeNode(nodes: SwarmNodes, engines: NodeEngines, ref: string, waitMs: number): Promise<RemovalReport> {
  const [all, swarm] = await Promise.all([nodes.list(), nodes.swarm()]);
  const target = findNode(all, ref);
  const endpoint = target?.Spec?.Labels?.[ENGINE_LABEL];
  const engine = endpoint ? engines.at(endpoint) : undefined;
  const plan = removalPlan(all, ref, swarm.nodeId, { reachable: !!engine });
  const id = plan.node.ID;
  const report: RemovalReport = { nodeId: id, hostname: plan.hostname, steps: [], tasksLeft: 0, removed: true };
  let left = false;
  for (const step of plan.steps) {
    if (step === 'demote') {
      await nodes.update(id, { role: 'worker' });
      report.steps.push({ step, detail: 'demoted to worker' });
    } else if (step === 'drain') {
      await nodes.update(id, { availability: 'drain' });
      report.steps.push({ step, detail: 'availability set to drain' });
    } else if (step === 'wait for tasks') {
      const began = Date.now();
      let tasks = (await nodes.liveTasks(id)).length;
      while (tasks > 0 && Date.now() - began < waitMs) {
        await sleep(POLL_MS);
        tasks = (await nodes.liveTasks(id)).length;
      }
      report.tasksLeft = tasks;
      const seconds = ((Date.now() - began) / 1000).toFixed(1);
      report.steps.push({ step, detail: tasks ? `${tasks} task(s) still on the node after ${seconds} s: removed anyway` : `no task left after ${seconds} s` });
    } else if (step === 'leave') {
      try {
        await leaveSwarm(engine!);
        left = await until(async () => (await nodes.state(id)) !== 'ready', LEAVE_DOWN_MS);
        report.steps.push({ step, detail: left ? 'the node left the Swarm' : `the node left the Swarm but was not down after ${LEAVE_DOWN_MS / 1000} s` });
      } catch (err) {
        report.steps.push({ step, detail: `could not make the node leave (${(err as Error).message}): removed with force` });
      }
    } else {
      // a node that did not leave is still up: Docker removes it only with force
      await nodes.remove(id, !left);
      report.steps.push({ step, detail: left ? 'removed from the Swarm' : 'removed from the Swarm with force (its engine still thinks it belongs to it)' });
    }
  }
  return report;
}

async function until(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(POLL_MS);
  }
}
