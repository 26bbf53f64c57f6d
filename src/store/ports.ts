import { and, eq, ne } from 'drizzle-orm';
import { conflict } from '../model/errors.js';
import type { PortCreate, PortUpdate } from '../model/port.js';
import { applicationSummary, found, withApplication } from './app-children.js';
import type { DB } from './db.js';
import { newId } from './ids.js';
import { port } from './schema.js';

export type PortRow = typeof port.$inferSelect;

/** Published ports of applications; they take effect on the next deploy. */
export function portStore(db: DB) {
  const getPort = (portId: string): PortRow => found(db.select().from(port).where(eq(port.portId, portId)).get(), 'Port', portId);

  /** One application cannot publish the same port twice for one protocol: Swarm would refuse the service. */
  function assertPortFree(p: { applicationId: string; publishedPort: number; protocol: PortRow['protocol'] }, exceptPortId?: string) {
    const clash = db
      .select({ portId: port.portId })
      .from(port)
      .where(
        and(
          eq(port.applicationId, p.applicationId),
          eq(port.publishedPort, p.publishedPort),
          eq(port.protocol, p.protocol),
          exceptPortId ? ne(port.portId, exceptPortId) : undefined,
        ),
      )
      .get();
    if (clash) throw conflict(`The application already publishes port ${p.publishedPort}/${p.protocol}`);
  }

  return {
    one: (portId: string) => withApplication(db, getPort(portId)),

    create(input: PortCreate): PortRow {
      return db.transaction(() => {
        applicationSummary(db, input.applicationId);
        assertPortFree(input);
        return db.insert(port).values({ ...input, portId: newId() }).returning().get();
      });
    },

    update({ portId, ...changes }: PortUpdate): PortRow {
      return db.transaction(() => {
        const row = getPort(portId);
        assertPortFree({ ...row, ...changes }, portId);
        db.update(port).set(changes).where(eq(port.portId, portId)).run();
        return getPort(portId);
      });
    },

    remove: (portId: string): PortRow => found(db.delete(port).where(eq(port.portId, portId)).returning().get(), 'Port', portId),
  };
}
