import type { Cipher } from '../secrets/cipher.js';
import { apiKeyStore } from './api-keys.js';
import type { DB } from './db.js';
import { projectStore } from './projects.js';

/** Every aggregate's store module over one database connection. */
export function createStore(db: DB, cipher: Cipher) {
  return {
    db,
    apiKeys: apiKeyStore(db),
    projects: projectStore(db, cipher),
  };
}

export type Store = ReturnType<typeof createStore>;
