import type { Cipher } from '../secrets/cipher.js';
import { apiKeyStore } from './api-keys.js';
import { applicationStore } from './applications.js';
import type { DB } from './db.js';
import { domainStore } from './domains.js';
import { mountStore } from './mounts.js';
import { portStore } from './ports.js';
import { gitProviderStore } from './git-providers.js';
import { projectStore } from './projects.js';
import { redirectStore } from './redirects.js';
import { securityStore } from './security.js';
import { registryStore } from './registries.js';
import { sshKeyStore } from './ssh-keys.js';

/** Every aggregate's store module over one database connection. */
export function createStore(db: DB, cipher: Cipher) {
  return {
    db,
    apiKeys: apiKeyStore(db),
    projects: projectStore(db, cipher),
    applications: applicationStore(db, cipher),
    domains: domainStore(db),
    mounts: mountStore(db),
    ports: portStore(db),
    redirects: redirectStore(db),
    security: securityStore(db, cipher),
    registries: registryStore(db, cipher),
    sshKeys: sshKeyStore(db, cipher),
    gitProviders: gitProviderStore(db, cipher),
  };
}

export type Store = ReturnType<typeof createStore>;
