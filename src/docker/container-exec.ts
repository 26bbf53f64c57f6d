import { Writable } from 'node:stream';
import type Docker from 'dockerode';
import { ENGINE_LABEL, type SwarmNode } from '../model/cluster.js';
import { daemonError, type Engine } from './engine.js';
import type { NodeEngines } from './nodes.js';

/**
 * `docker exec` through the Engine API, in a running task of a service on whichever node
 * it runs: Berth's own engine, or the node's engine at its `berth.engine` label (nodes.ts).
 * Thin: what to run and what to make of the outcome is the caller's.
 */

/** A running task's container and the engine that holds it. */
export interface TaskContainer {
  engine: Engine;
  containerId: string;
  nodeId: string;
}

/** The newest running task of the service named appName, on its node's engine; undefined when none runs. */
export async function runningTaskContainer(engine: Engine, engines: NodeEngines, appName: string, signal?: AbortSignal): Promise<TaskContainer | undefined> {
  const task = (await engine.listTasks(appName, signal)).find((t) => t.DesiredState === 'running' && t.Status.State === 'running' && t.Status.ContainerStatus?.ContainerID);
  if (!task) return undefined;
  const containerId = task.Status.ContainerStatus!.ContainerID!;
  const nodeId = task.NodeID ?? '';
  if (!nodeId || nodeId === (await engine.nodeId(signal))) return { engine, containerId, nodeId };
  let node: SwarmNode;
  try {
    node = (await engine.docker.getNode(nodeId).inspect()) as SwarmNode;
  } catch (err) {
    throw daemonError(err);
  }
  const endpoint = node.Spec?.Labels?.[ENGINE_LABEL];
  const remote = endpoint ? engines.at(endpoint) : undefined;
  const name = node.Description?.Hostname ?? nodeId;
  if (!remote) throw new Error(`The running task of ${appName} is on node ${name}, whose Docker engine Berth does not reach (its "${ENGINE_LABEL}" label: a unix socket, or tcp with TLS certificates)`);
  return { engine: remote, containerId, nodeId };
}

export interface ExecOptions {
  env?: string[];
  /** Each piece of output as it arrives (stdout and stderr alike). */
  onOutput: (text: string, stream: 'stdout' | 'stderr') => void;
  /** Stops waiting for the output (the process is the caller's to stop: see killMarked). */
  signal?: AbortSignal;
}

/** Runs `cmd` (argv, no shell of Berth's) in the container; resolves with its exit code once its output ends. */
export async function execIn(target: Pick<TaskContainer, 'engine' | 'containerId'>, cmd: string[], opts: ExecOptions): Promise<{ exitCode: number | null }> {
  const container = target.engine.docker.getContainer(target.containerId);
  let exec: Docker.Exec;
  let stream: NodeJS.ReadWriteStream;
  try {
    exec = await container.exec({ Cmd: cmd, Env: opts.env, AttachStdout: true, AttachStderr: true, AttachStdin: false, Tty: false });
    stream = (await exec.start({ hijack: true, stdin: false })) as NodeJS.ReadWriteStream;
  } catch (err) {
    throw daemonError(err);
  }
  const sink = (kind: 'stdout' | 'stderr') =>
    new Writable({
      write(chunk: Buffer, _enc, done) {
        opts.onOutput(chunk.toString('utf8'), kind);
        done();
      },
    });
  target.engine.docker.modem.demuxStream(stream, sink('stdout'), sink('stderr'));
  await new Promise<void>((resolve) => {
    const finish = () => {
      opts.signal?.removeEventListener('abort', stop);
      resolve();
    };
    const stop = () => {
      (stream as unknown as { destroy(): void }).destroy();
      finish();
    };
    if (opts.signal?.aborted) return stop();
    opts.signal?.addEventListener('abort', stop, { once: true });
    stream.on('end', finish);
    stream.on('close', finish);
    stream.on('error', finish);
  });
  try {
    const info = await exec.inspect();
    return { exitCode: info.Running ? null : (info.ExitCode ?? null) };
  } catch (err) {
    throw daemonError(err);
  }
}

/**
 * Kills, inside the container, every process whose environment holds `marker` (`NAME=value`,
 * set on an exec by Berth: its children inherit it), with the container's own shell. The
 * Engine API has no call to stop an exec. The marker is Berth's, never user input.
 */
export async function killMarked(target: Pick<TaskContainer, 'engine' | 'containerId'>, shell: string, marker: string): Promise<void> {
  const script = 'for p in /proc/[0-9]*; do if grep -qs -- "$1" "$p/environ"; then kill -9 "${p#/proc/}" 2>/dev/null; fi; done';
  const signal = AbortSignal.timeout(10_000);
  await execIn(target, [shell, '-c', script, shell, marker], { onOutput: () => {}, signal });
}
