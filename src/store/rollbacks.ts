import { and, desc, ne, eq, getTableColumns, inArray, isNotNull, sql } from 'drizzle-orm';
import { notFound } from '../model/errors.js';
import type { Cipher } from '../secrets/cipher.js';
import type { DB } from './db.js';
import { newId, now } from './ids.js';
import { deployment, rollback, type DeploymentRow, type RollbackRow } from './schema.js';

/** A rollback row as lists show it: the snapshot stays in the database. */
export type ListedRollback = Omit<RollbackRow, 'fullContext'>;
const { fullContext: _snapshot, ...shown } = getTableColumns(rollback);

/**
 * Rollback rows (API.md §4.2): one per successful build, the image it released and the
 * configuration snapshot it ran with (`fullContext`, encrypted as a whole: it holds the
 * environment). `version` is a global serial.
 */
export function rollbackStore(db: DB, cipher: Cipher) {
  function row(rollbackId: string): RollbackRow {
    const r = db.select().from(rollback).where(eq(rollback.rollbackId, rollbackId)).get();
    if (!r) throw notFound('Rollback', rollbackId);
    return r;
  }

  /** A rollback with the deployment that made it (the snapshot stays sealed: see `snapshot`). */
  function get(rollbackId: string): ListedRollback & { deployment: DeploymentRow } {
    const { fullContext: _, ...r } = row(rollbackId);
    const made = db.select().from(deployment).where(eq(deployment.deploymentId, r.deploymentId)).get()!;
    return { ...r, deployment: made };
  }

  return {
    /** Records a deployment's release and links it (`deployment.rollbackId`), in one transaction. */
    create(input: { deploymentId: string; image: string; snapshot: unknown }): ListedRollback {
      return db.transaction(() => {
        const { next } = db.select({ next: sql<number>`coalesce(max(${rollback.version}), 0) + 1` }).from(rollback).get()!;
        const rollbackId = newId();
        db.insert(rollback)
          .values({ rollbackId, deploymentId: input.deploymentId, version: next, image: input.image, createdAt: now(), fullContext: cipher.encrypt(JSON.stringify(input.snapshot)) })
          .run();
        db.update(deployment).set({ rollbackId }).where(eq(deployment.deploymentId, input.deploymentId)).run();
        const { fullContext: _, ...listed } = row(rollbackId);
        return listed;
      });
    },

    get,

    /** A rollback's decrypted configuration snapshot (only the job that releases it needs it). */
    snapshot<T>(rollbackId: string): T {
      return JSON.parse(cipher.decrypt(row(rollbackId).fullContext ?? 'null')) as T;
    },

    /** An application's rollbacks, newest version first. */
    ofApplication(applicationId: string): ListedRollback[] {
      return db
        .select(shown)
        .from(rollback)
        .innerJoin(deployment, eq(deployment.deploymentId, rollback.deploymentId))
        .where(eq(deployment.applicationId, applicationId))
        .orderBy(desc(rollback.version))
        .all();
    },

    /** Every image a rollback row points at, of every application but `except`. */
    images(opts: { except?: string } = {}): string[] {
      return db
        .select({ image: rollback.image })
        .from(rollback)
        .innerJoin(deployment, eq(deployment.deploymentId, rollback.deploymentId))
        .where(and(isNotNull(rollback.image), opts.except ? ne(deployment.applicationId, opts.except) : undefined))
        .all()
        .map((r) => r.image!);
    },

    /** Deletes rollback rows; deployments that ran them keep their history (rollbackId set null). */
    remove(rollbackIds: string[]): void {
      if (rollbackIds.length) db.delete(rollback).where(inArray(rollback.rollbackId, rollbackIds)).run();
    },

    /** `rollback.delete`: the row with its deployment, deleted. */
    removeOne(rollbackId: string): ListedRollback & { deployment: DeploymentRow } {
      return db.transaction(() => {
        const found = get(rollbackId);
        db.delete(rollback).where(eq(rollback.rollbackId, rollbackId)).run();
        return found;
      });
    },
  };
}

export type RollbackStore = ReturnType<typeof rollbackStore>;
