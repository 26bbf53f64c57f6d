import type { ScheduleRunRow } from '../store/schema.js';
import type { Scheduler } from './scheduler.js';

/**
 * The schedules of a server as the API and the wiring see them. The scheduler (and croner)
 * load on first use: at start only when a schedule is enabled or a run was left open, else
 * when a schedule is enabled or run through the API. Nothing runs, and no timer exists,
 * while no schedule is enabled.
 */
export class Schedules {
  private loaded?: Promise<Scheduler>;
  private stopped = false;

  constructor(private readonly create: () => Promise<Scheduler>) {}

  /** Loads and starts the scheduler (once). */
  load(): Promise<Scheduler> {
    return (this.loaded ??= this.create().then((s) => {
      if (!this.stopped) s.start();
      return s;
    }));
  }

  /** After a schedule was written: arms the timer again (loading the scheduler if this one is enabled). */
  async changed(enabled: boolean): Promise<void> {
    if (this.stopped || (!this.loaded && !enabled)) return;
    (await this.load()).reload();
  }

  /** `runManually`: resolves with the ended run. */
  async runNow(scheduleId: string): Promise<ScheduleRunRow> {
    return (await this.load()).runNow(scheduleId);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.loaded) await (await this.loaded).stop();
  }
}
