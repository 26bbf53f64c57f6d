import { and, eq, ne, sql } from 'drizzle-orm';
import { conflict } from '../model/errors.js';
import { mountColumns, mountViolations, type MountCreate, type MountUpdate } from '../model/mount.js';
import { rejectViolations } from '../model/record-rules.js';
import { applicationSummary, found, withApplication } from './app-children.js';
import type { DB } from './db.js';
import { newId } from './ids.js';
import { mount } from './schema.js';

export type MountRow = typeof mount.$inferSelect;

/** Volumes, bind mounts and files of applications; they take effect on the next deploy. */
export function mountStore(db: DB) {
  const getMount = (mountId: string): MountRow => found(db.select().from(mount).where(eq(mount.mountId, mountId)).get(), 'Mount', mountId);

  /** Docker refuses a service with two mounts on one container path; say so now rather than at deploy. */
  function assertMountPathFree(applicationId: string, mountPath: string, exceptMountId?: string) {
    const clash = db
      .select({ mountId: mount.mountId })
      .from(mount)
      .where(and(eq(mount.applicationId, applicationId), eq(mount.mountPath, mountPath), exceptMountId ? ne(mount.mountId, exceptMountId) : undefined))
      .get();
    if (clash) throw conflict(`The application already mounts something at ${mountPath}`);
  }

  return {
    one: (mountId: string) => withApplication(db, getMount(mountId)),

    /** Mounts of one application, oldest first. */
    byApplication(applicationId: string): MountRow[] {
      applicationSummary(db, applicationId);
      return db.select().from(mount).where(eq(mount.applicationId, applicationId)).orderBy(sql`rowid`).all();
    },

    /** Every volume an application mounts (Docker cleanup keeps them, a stopped application's too). */
    volumeNames(): string[] {
      return db
        .selectDistinct({ name: mount.volumeName })
        .from(mount)
        .where(and(eq(mount.type, 'volume'), sql`${mount.volumeName} is not null`))
        .all()
        .map((r) => r.name!);
    },

    create(input: MountCreate): MountRow {
      return db.transaction(() => {
        applicationSummary(db, input.serviceId);
        assertMountPathFree(input.serviceId, input.mountPath);
        return db
          .insert(mount)
          .values({ ...mountColumns(input), mountId: newId(), serviceType: 'application', applicationId: input.serviceId })
          .returning()
          .get();
      });
    },

    /** The type rules apply to the stored mount with the changes applied; a mount stays with its application. */
    update(input: MountUpdate): MountRow {
      return db.transaction(() => {
        const row = getMount(input.mountId);
        if (input.applicationId !== undefined && input.applicationId !== row.applicationId)
          rejectViolations([{ field: 'applicationId', message: 'a mount cannot be moved to another application' }]);
        const merged = { ...row, ...input };
        rejectViolations(mountViolations(merged));
        if (row.applicationId) assertMountPathFree(row.applicationId, merged.mountPath, row.mountId);
        db.update(mount).set(mountColumns(merged)).where(eq(mount.mountId, row.mountId)).run();
        return getMount(row.mountId);
      });
    },

    remove: (mountId: string): MountRow => found(db.delete(mount).where(eq(mount.mountId, mountId)).returning().get(), 'Mount', mountId),
  };
}
