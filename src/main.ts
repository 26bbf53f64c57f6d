import { startBerth } from './berth.js';
import { loadConfig } from './config.js';

const berth = await startBerth(loadConfig());
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    berth.close().then(() => process.exit(0), () => process.exit(1));
  });
}
