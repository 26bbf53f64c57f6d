import fs from 'node:fs';
import path from 'node:path';
import { buildServer } from './api/server.js';
import { procedures } from './api/procedures.js';
import type { Config } from './config.js';
import { Cipher, loadOrCreateKey } from './secrets/cipher.js';
import { openDatabase } from './store/db.js';
import { createStore } from './store/index.js';
import { version } from './version.js';

export interface Berth {
  url: string;
  store: ReturnType<typeof createStore>;
  /** The admin token created on this start (first start only). */
  adminToken?: string;
  close(): Promise<void>;
}

/** Opens the data directory, creates the first admin token if there is none, and starts serving. */
export async function startBerth(config: Config, out: (line: string) => void = console.log): Promise<Berth> {
  fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const cipher = new Cipher(loadOrCreateKey(config.dataDir));
  const { sqlite, db } = openDatabase(path.join(config.dataDir, 'berth.db'));
  const store = createStore(db, cipher);

  let adminToken: string | undefined;
  if (store.apiKeys.count() === 0) {
    const created = store.apiKeys.create({ name: 'admin', role: 'admin', token: config.adminToken });
    adminToken = created.key;
    out(
      config.adminToken
        ? 'Berth: admin API token set from BERTH_ADMIN_TOKEN.'
        : `Berth: admin API token (shown once, keep it safe):\n\n  ${created.key}\n`,
    );
  }

  const app = await buildServer({ store, config, procedures, version });
  const url = await app.listen({ port: config.port, host: config.host });
  out(`Berth ${version} listening on ${url} (data: ${config.dataDir})`);
  return {
    url: `http://127.0.0.1:${(app.server.address() as { port: number }).port}`,
    store,
    adminToken,
    async close() {
      await app.close();
      sqlite.close();
    },
  };
}
