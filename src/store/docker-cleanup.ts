import { eq } from 'drizzle-orm';
import type { DB } from './db.js';
import { setting } from './schema.js';

const ENABLED = 'enableDockerCleanup';

/** The daily Docker cleanup's switch (`settings.updateDockerCleanup`), a row of the server-wide settings; off until turned on. */
export function dockerCleanupStore(db: DB) {
  return {
    enabled(): boolean {
      return db.select().from(setting).where(eq(setting.key, ENABLED)).get()?.value === 'true';
    },
    setEnabled(on: boolean): void {
      db.insert(setting)
        .values({ key: ENABLED, value: String(on) })
        .onConflictDoUpdate({ target: setting.key, set: { value: String(on) } })
        .run();
    },
  };
}
