import { z } from 'zod';
import { nodeRef } from './docker.js';

/**
 * Inputs of the `cluster.*` routes that change the Swarm (join, leave, a node's labels and
 * availability) and the part of the Engine's Node object Berth reads.
 */

export const nodeAvailabilities = ['active', 'pause', 'drain'] as const;

/** Docker's label key syntax (reverse DNS, dots, dashes); values are plain text. */
const labelKey = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[a-zA-Z0-9]([a-zA-Z0-9._\-/]*[a-zA-Z0-9])?$/, 'A label key: letters, digits, ".", "-", "_", "/", starting and ending with a letter or digit');

export const removeWorkerInput = nodeRef.extend({
  /** How long to wait for the node's tasks to move before removing it anyway (default 60). */
  waitSeconds: z.number().int().min(0).max(600).default(60),
});

export const updateNodeInput = nodeRef
  .extend({
    availability: z.enum(nodeAvailabilities).optional(),
    /** Labels to set (added or changed); the node's other labels stay. */
    labels: z.record(labelKey, z.string().max(4096)).optional(),
    /** Label keys to remove. */
    removeLabels: z.array(labelKey).max(100).optional(),
  })
  .refine((u) => u.availability !== undefined || u.labels !== undefined || u.removeLabels !== undefined, {
    message: 'Nothing to change: give availability, labels or removeLabels',
    path: ['availability'],
  });
export type UpdateNodeInput = z.output<typeof updateNodeInput>;

/** A Swarm node as the Engine API returns it (`GET /nodes`), as far as Berth reads it. */
export interface SwarmNode {
  ID: string;
  Version?: { Index?: number };
  Spec?: { Role?: string; Availability?: string; Labels?: Record<string, string>; Name?: string };
  Description?: {
    Hostname?: string;
    Platform?: { Architecture?: string; OS?: string };
    Resources?: { NanoCPUs?: number; MemoryBytes?: number };
    Engine?: { EngineVersion?: string; Labels?: Record<string, string> };
    TLSInfo?: { TrustRoot?: string };
  };
  Status?: { State?: string; Addr?: string; Message?: string };
  ManagerStatus?: { Leader?: boolean; Reachability?: string; Addr?: string };
}

/** The node label whose value is the endpoint of the node's Docker engine (`unix:///…` or `tcp://host:port`). */
export const ENGINE_LABEL = 'berth.engine';
