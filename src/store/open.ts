import fs from 'node:fs';
import path from 'node:path';
import { Cipher, loadOrCreateKey } from '../secrets/cipher.js';
import { openDatabase } from './db.js';
import { createStore, type Store } from './index.js';

export interface DataDir {
  store: Store;
  close(): void;
}

/**
 * Opens `<dataDir>` (creating it), its secret key and `berth.db` with the schema up to date.
 * The server and the command line both come in here, so they always agree on the layout;
 * WAL mode lets the command line work while the server runs.
 */
export function openDataDir(dataDir: string): DataDir {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const cipher = new Cipher(loadOrCreateKey(dataDir));
  const { sqlite, db } = openDatabase(path.join(dataDir, 'berth.db'));
  return { store: createStore(db, cipher), close: () => sqlite.close() };
}
