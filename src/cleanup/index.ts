import type { Config } from '../config.js';
import type { Engine } from '../docker/engine.js';
import { ALL_BUT_VOLUMES, type CleanupKind, type CleanupReport, type DiskUsageRow } from '../model/cleanup.js';
import type { Store } from '../store/index.js';
import { DailyCleanup } from './daily.js';
import type { CleanupDoneEvent, DockerCleanup } from './run.js';

/** Docker cleanup as the API and the wiring use it. */
export interface Cleanup {
  run(kinds: readonly CleanupKind[]): Promise<CleanupReport>;
  diskUsage(): Promise<DiskUsageRow[]>;
  /** Stores the daily cleanup's switch and starts or stops its job. */
  setDaily(on: boolean): Promise<void>;
  /** The scheduled run itself (what the job calls): every kind but volumes, as `cleanAll`. */
  tick(): Promise<CleanupReport>;
  /** When the next scheduled run is due, or null while it is off. */
  nextRun(): Date | null;
  /** Stops the schedule and waits for a cleanup under way (before the database closes). */
  stop(): Promise<void>;
}

/**
 * Wires the cleanup over this engine; the runner and its engine calls load on the first
 * cleanup, and the schedule's job exists only while the stored switch is on.
 */
export function createCleanup(
  config: Pick<Config, 'cleanup' | 'docker'>,
  store: Store,
  engine: Pick<Engine, 'docker' | 'swarmInfo'>,
  warn: (message: string, err?: unknown) => void,
  notify?: (event: CleanupDoneEvent) => void,
): Cleanup & { start(): Promise<void> } {
  let runner: Promise<DockerCleanup> | undefined;
  const load = () =>
    (runner ??= Promise.all([import('./run.js'), import('../docker/cleanup.js'), import('../docker/nodes.js')]).then(([{ DockerCleanup }, { CleanupEngine, otherNodeEngines }, { NodeEngines }]) => {
      const engines = new NodeEngines(config.docker.nodeCertPath);
      return new DockerCleanup({ store, engine: new CleanupEngine(engine), policy: config.cleanup, log: (line) => warn(line), notify, nodes: () => otherNodeEngines(engine, engines) });
    }));
  const run = async (kinds: readonly CleanupKind[]) => (await load()).run(kinds);
  const daily = new DailyCleanup({ schedule: config.cleanup.schedule, enabled: () => store.dockerCleanup.enabled(), tick: () => run(ALL_BUT_VOLUMES), warn });
  return {
    run,
    diskUsage: async () => (await load()).diskUsage(),
    async setDaily(on) {
      store.dockerCleanup.setEnabled(on);
      await daily.refresh();
    },
    tick: () => run(ALL_BUT_VOLUMES),
    nextRun: () => daily.nextRun(),
    start: () => daily.refresh(),
    async stop() {
      daily.stop();
      await (await runner)?.idle();
    },
  };
}
