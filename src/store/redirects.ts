import { eq } from 'drizzle-orm';
import type { RedirectCreate, RedirectUpdate } from '../model/redirect.js';
import { applicationSummary, found, nextConfigKey } from './app-children.js';
import type { DB } from './db.js';
import { newId, now } from './ids.js';
import { redirect } from './schema.js';

export type RedirectRow = typeof redirect.$inferSelect;

/** Regex redirects of an application, applied by its routing on every non-preview domain. */
export function redirectStore(db: DB) {
  const getRedirect = (redirectId: string): RedirectRow =>
    found(db.select().from(redirect).where(eq(redirect.redirectId, redirectId)).get(), 'Redirect', redirectId);

  return {
    getRedirect,

    create(input: RedirectCreate): RedirectRow {
      return db.transaction(() => {
        applicationSummary(db, input.applicationId);
        return db
          .insert(redirect)
          .values({ ...input, redirectId: newId(), uniqueConfigKey: nextConfigKey(db, redirect), createdAt: now() })
          .returning()
          .get();
      });
    },

    update({ redirectId, ...changes }: RedirectUpdate): RedirectRow {
      return found(db.update(redirect).set(changes).where(eq(redirect.redirectId, redirectId)).returning().get(), 'Redirect', redirectId);
    },

    remove: (redirectId: string): RedirectRow =>
      found(db.delete(redirect).where(eq(redirect.redirectId, redirectId)).returning().get(), 'Redirect', redirectId),
  };
}
