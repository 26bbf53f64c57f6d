import type { Cipher } from '../secrets/cipher.js';
import { apiKeyStore } from './api-keys.js';
import { backupStore } from './backups.js';
import { destinationStore } from './destinations.js';
import { applicationStore } from './applications.js';
import type { DB } from './db.js';
import { deploymentStore } from './deployments.js';
import { dockerCleanupStore } from './docker-cleanup.js';
import { domainStore } from './domains.js';
import { metricsStore } from './metrics.js';
import { mountStore } from './mounts.js';
import { portStore } from './ports.js';
import { gitProviderStore } from './git-providers.js';
import { liveStateStore } from './live-states.js';
import { projectStore } from './projects.js';
import { redirectStore } from './redirects.js';
import { routingStore } from './routing.js';
import { securityStore } from './security.js';
import { registryStore } from './registries.js';
import { rollbackStore } from './rollbacks.js';
import { sshKeyStore } from './ssh-keys.js';
import { webhookStore } from './webhooks.js';
import { previewStore } from './previews.js';
import { scheduleStore } from './schedules.js';
import { notificationStore } from './notifications.js';
import { outboxStore } from './outbox.js';

/** Every aggregate's store module over one database connection. */
export function createStore(db: DB, cipher: Cipher) {
  // Rows changed by this connection, and commits by any other (e.g. the token CLI).
  const version = db.$client.prepare('SELECT total_changes() AS c, data_version AS v FROM pragma_data_version');
  const projects = projectStore(db, cipher);
  const metrics = metricsStore(db);
  const outbox = outboxStore(db, cipher);
  return {
    db,
    /** Differs after any write to the database: what cached answers are checked against. */
    dataVersion(): string {
      const { c, v } = version.get() as { c: number; v: number };
      // Metric samples are written every few seconds and change no cached answer.
      return `${c - metrics.rowsWritten()}:${v}`;
    },
    apiKeys: apiKeyStore(db),
    projects,
    applications: applicationStore(db, cipher, projects),
    domains: domainStore(db),
    mounts: mountStore(db),
    ports: portStore(db),
    redirects: redirectStore(db),
    security: securityStore(db, cipher),
    routing: routingStore(db, cipher),
    registries: registryStore(db, cipher),
    sshKeys: sshKeyStore(db, cipher),
    gitProviders: gitProviderStore(db, cipher),
    deployments: deploymentStore(db, outbox),
    metrics,
    rollbacks: rollbackStore(db, cipher),
    webhooks: webhookStore(db),
    previews: previewStore(db),
    live: liveStateStore(db),
    destinations: destinationStore(db, cipher),
    backups: backupStore(db),
    dockerCleanup: dockerCleanupStore(db),
    schedules: scheduleStore(db),
    notifications: notificationStore(db, cipher),
    outbox,
  };
}

export type Store = ReturnType<typeof createStore>;
