import type { Cron } from 'croner';

/**
 * The scheduled Docker cleanup (`settings.updateDockerCleanup`): one croner job on the
 * BERTH_CLEANUP_SCHEDULE pattern while the stored switch is on, none while it is off (croner
 * is loaded only then). Turning it on twice keeps one job (Dokploy registers a second, §6.1.3);
 * a run that is still going when the next is due is skipped, not doubled.
 */
export class DailyCleanup {
  private job?: Cron;
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: {
      schedule: string;
      enabled: () => boolean;
      /** One scheduled run; its failures are the caller's to report. */
      tick: () => Promise<unknown>;
      warn(message: string, err?: unknown): void;
    },
  ) {}

  /** Starts or stops the job to match the stored switch (at start and after each change). */
  refresh(): Promise<void> {
    this.pending = this.pending.then(() => this.apply());
    return this.pending;
  }

  /** When the next run is due, or null while the job is off. */
  nextRun(): Date | null {
    return this.job?.nextRun() ?? null;
  }

  stop(): void {
    this.job?.stop();
    this.job = undefined;
  }

  private async apply(): Promise<void> {
    if (!this.deps.enabled()) return this.stop();
    if (this.job) return;
    const { Cron } = await import('croner');
    this.job = new Cron(this.deps.schedule, { protect: true, unref: true }, async () => {
      await this.deps.tick().catch((err) => this.deps.warn('scheduled Docker cleanup failed', err));
    });
  }
}
