import type { SwarmNode } from '../model/cluster.js';
import { conflict, notFound } from '../model/errors.js';
import { findNode } from './nodes.js';

/**
 * What `cluster.removeWorker` does to a node, decided before anything is touched. Pure.
 * Dokploy drains and at once force-removes, so the node's tasks die instead of moving, and
 * a manager ends up drained but not removed; Berth demotes a manager first, drains, waits
 * for the tasks to move, lets the node leave when it can reach its engine, then removes it.
 */

export type RemovalStep = 'demote' | 'drain' | 'wait for tasks' | 'leave' | 'remove';

export interface RemovalPlan {
  node: SwarmNode;
  hostname: string;
  steps: RemovalStep[];
}

export function removalPlan(nodes: SwarmNode[], ref: string, selfId: string, opts: { reachable: boolean }): RemovalPlan {
  const node = findNode(nodes, ref);
  if (!node) throw notFound('Node', ref);
  const hostname = node.Description?.Hostname ?? node.ID;
  if (node.ID === selfId) throw conflict(`Berth runs on node ${hostname} (${node.ID}): it cannot remove the node it manages the Swarm from`);
  const manager = node.Spec?.Role === 'manager';
  if (manager && !nodes.some((n) => n.ID !== node.ID && n.Spec?.Role === 'manager' && n.ManagerStatus?.Reachability !== 'unreachable'))
    throw conflict(`Node ${hostname} is the Swarm's last reachable manager: removing it would leave the Swarm without one`);
  const steps: RemovalStep[] = [];
  if (manager) steps.push('demote');
  if (node.Spec?.Availability !== 'drain') steps.push('drain');
  // a node that is down runs nothing Swarm can still move: its tasks are rescheduled already
  if (node.Status?.State !== 'down') steps.push('wait for tasks');
  if (opts.reachable && node.Status?.State !== 'down') steps.push('leave');
  steps.push('remove');
  return { node, hostname, steps };
}
