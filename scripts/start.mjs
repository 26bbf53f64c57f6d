// `npm start`: build (scripts/build.mjs) when dist/ is missing or older than src/ or web/, then run Berth.
// `npm run berth -- <args>`: the same, for the command-line tool.
import { execFileSync, spawn } from 'node:child_process';
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
if (built < Math.max(newestMtime(path.join(root, 'src')), newestMtime(path.join(root, 'web')))) {
  console.error('Berth: building (first start or changed sources)…');
  execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
}

const cli = process.argv[2] === '--cli';
const entry = path.join(root, 'dist', cli ? 'cli.js' : 'main.js');
const args = process.argv.slice(cli ? 3 : 2);
// V8 flags shared with the benchmark: a 1 MB young generation keeps idle memory low.
const nodeFlags = cli ? [] : JSON.parse(fs.readFileSync(path.join(root, 'scripts/node-flags.json'), 'utf8'));
const child = spawn(process.execPath, [...nodeFlags, entry, ...args], { stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
