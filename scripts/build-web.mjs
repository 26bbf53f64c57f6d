// The dashboard (web/) built with Vite into `outDir` (default dist/web), every text file
// beside its gzip and brotli forms, so the server sends them without compressing per request.
// `node scripts/build-web.mjs [outDir]`; scripts/build.mjs runs it after the server's bundle.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import zlib from 'node:zlib';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const COMPRESSIBLE = /\.(html|js|css|svg|json|txt|map)$/;

export async function buildWeb(outDir = path.join(root, 'dist', 'web')) {
  const { build } = await import('vite');
  await build({ configFile: path.join(root, 'web', 'vite.config.ts'), build: { outDir } });
  for (const file of fs.readdirSync(outDir, { recursive: true })) {
    const p = path.join(outDir, String(file));
    if (!COMPRESSIBLE.test(p) || !fs.statSync(p).isFile()) continue;
    const body = fs.readFileSync(p);
    fs.writeFileSync(`${p}.gz`, zlib.gzipSync(body, { level: 9 }));
    fs.writeFileSync(`${p}.br`, zlib.brotliCompressSync(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }));
  }
  return outDir;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await buildWeb(process.argv[2] && path.resolve(process.argv[2]));
