// `npm start`: compile when dist/ is missing or older than src/, then run Berth.
// `npm run berth -- <args>`: the same, for the command-line tool.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stamp = path.join(root, 'dist', '.build-stamp');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

const built = fs.existsSync(stamp) ? fs.statSync(stamp).mtimeMs : 0;
if (built < newestMtime(path.join(root, 'src'))) {
  console.error('Berth: compiling TypeScript (first start or changed sources)…');
  execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
  fs.writeFileSync(stamp, new Date().toISOString());
}

const cli = process.argv[2] === '--cli';
const entry = path.join(root, 'dist', cli ? 'cli.js' : 'main.js');
const args = process.argv.slice(cli ? 3 : 2);
// Run in this process's place so signals reach Berth directly.
const { status, signal } = spawnSync(process.execPath, [entry, ...args], { stdio: 'inherit' });
process.exit(status ?? (signal ? 1 : 0));
