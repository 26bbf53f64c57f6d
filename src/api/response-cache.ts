/**
 * Serialized answers of read procedures, valid while the database has not changed.
 * Large reads (every project with its applications) cost far more to build than to send;
 * any write anywhere empties the cache, so an answer is never stale.
 */
export class ResponseCache {
  private entries = new Map<string, string>();
  private seen = '';

  constructor(
    /** Changes whenever any row changes (see store `dataVersion`). */
    private readonly version: () => string,
    private readonly maxEntries = 4096,
  ) {}

  get(key: string): string | undefined {
    const v = this.version();
    if (v !== this.seen) {
      this.entries.clear();
      this.seen = v;
      return undefined;
    }
    return this.entries.get(key);
  }

  set(key: string, body: string): void {
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(key, body);
  }
}
