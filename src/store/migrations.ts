import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { migrationsFolder } from './db.js';

/** A migration of drizzle's journal: its tag and its time, which drizzle records as the migration's `created_at`. */
export interface Migration {
  tag: string;
  when: number;
}

/** The migrations this code ships, oldest first. */
export function knownMigrations(): Migration[] {
  const journal = JSON.parse(fs.readFileSync(path.join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as { entries: Migration[] };
  return journal.entries.map(({ tag, when }) => ({ tag, when }));
}

/** The last migration applied to a database (by drizzle's record of it), named from the journal when this code knows it. */
export function lastAppliedMigration(sqlite: Database.Database): Migration {
  const row = sqlite.prepare('SELECT created_at AS "when" FROM __drizzle_migrations ORDER BY created_at DESC LIMIT 1').get() as { when: number | string } | undefined;
  if (!row) throw new Error('the database has no migrations applied: not a Berth database');
  const when = Number(row.when);
  return { tag: knownMigrations().find((m) => m.when === when)?.tag ?? `unknown-${when}`, when };
}
