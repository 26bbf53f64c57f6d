// `npm run build`: type-check with tsc, bundle each entry point into one ES module with
// esbuild, then build the dashboard (scripts/build-web.mjs). One file loads in a fraction of
// the time Node's ESM loader takes for the hundreds of files of Berth and its dependencies
// (start → healthy is a product target).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { buildWeb } from './build-web.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json'), '--noEmit'], { stdio: 'inherit' });

fs.rmSync(path.join(root, 'dist'), { recursive: true, force: true });
await build({
  entryPoints: { main: path.join(root, 'src/main.ts'), cli: path.join(root, 'src/cli.ts') },
  outdir: path.join(root, 'dist'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // What loads on first use (dynamic import) goes into chunks of its own, so that an idle
  // server neither reads nor keeps the code of features nobody has used yet (idle RSS).
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  // Loaded from node_modules as they are: a native addon, and what is loaded on first use only
  // (dockerode; @fastify/static for /api/docs, which finds Swagger UI's files in node_modules too;
  // nodemailer, with the first e-mail notification: bundled, its ~350 KB cost every start memory).
  external: ['better-sqlite3', 'dockerode', '@fastify/static', 'nodemailer'],
  // Bundled CommonJS dependencies call require(); give the ES module one.
  banner: { js: "import { createRequire as __berthRequire } from 'node:module'; const require = __berthRequire(import.meta.url);" },
  // Less source to read and parse at start; names stay readable in stack traces.
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
});
await buildWeb(path.join(root, 'dist', 'web'));
fs.writeFileSync(path.join(root, 'dist', '.build-stamp'), new Date().toISOString());
