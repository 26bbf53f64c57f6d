// better-sqlite3's native module for every Node major Berth supports (package.json
// `engines`) besides the running one, which `npm ci` built it for. Node's headers come from
// the npm package node-linux-<arch>@<major> (nothing is fetched from nodejs.org or GitHub),
// npm's own node-gyp compiles a copy of better-sqlite3's sources against them, and the module
// lands in node_modules/.berth-native/abi-<ABI>/, where the store finds it for a Node of that
// ABI (src/store/native-binding.ts). Idempotent: a module built for the installed
// better-sqlite3 version is kept. Run by scripts/setup-dev.sh after `npm ci`.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const readJson = (file) => JSON.parse(fs.readFileSync(file, 'utf8'));
const majors = [...readJson(path.join(root, 'package.json')).engines.node.matchAll(/\^(\d+)/g)].map((m) => Number(m[1]));
const current = Number(process.versions.node.split('.')[0]);
const source = path.join(root, 'node_modules', 'better-sqlite3');
const version = readJson(path.join(source, 'package.json')).version;
const out = path.join(root, 'node_modules', '.berth-native');
/**
 * The Node headers each major is built against (default: its latest). Node 24.19 made
 * node::ObjectWrap, inline in the headers, register an environment cleanup hook that
 * better-sqlite3 12's destructors then trip over when a statement is collected after its
 * environment is gone (SIGABRT, "Assertion failed: (env) != nullptr", at exit); the ABI is
 * the same across a major, so 24 is built against the last headers without the hook.
 */
const HEADERS = { 24: '24.18.1' };

/** npm's bundled node-gyp (beside the running node), else the registry's. */
function nodeGyp() {
  const bundled = path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  return fs.existsSync(bundled) ? [process.execPath, bundled] : ['npx', '--yes', 'node-gyp'];
}

function build(major) {
  const headers = HEADERS[major] ?? String(major);
  const stamp = path.join(out, `node-${major}.json`);
  const done = fs.existsSync(stamp) && readJson(stamp);
  if (done && done.betterSqlite3 === version && done.headers === headers && fs.existsSync(path.join(out, `abi-${done.abi}`, 'better_sqlite3.node'))) return;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `berth-native-${major}-`));
  try {
    console.error(`Building better-sqlite3 ${version} for Node ${major} (headers from the npm package node-linux-${process.arch}@${headers})…`);
    const tarball = execFileSync('npm', ['pack', '--silent', `node-linux-${process.arch}@${headers}`, '--pack-destination', tmp], { encoding: 'utf8' }).trim().split('\n').pop();
    execFileSync('tar', ['-xzf', path.join(tmp, tarball), '-C', tmp, 'package/include']);
    const nodeDir = path.join(tmp, 'package');
    const header = fs.readFileSync(path.join(nodeDir, 'include', 'node', 'node_version.h'), 'utf8');
    const abi = Number(/#define NODE_MODULE_VERSION (\d+)/.exec(header)?.[1]);
    if (!abi) throw new Error(`no NODE_MODULE_VERSION in the headers of Node ${major}`);
    const copy = path.join(tmp, 'better-sqlite3');
    fs.cpSync(source, copy, { recursive: true, filter: (f) => path.relative(source, f) !== 'build' });
    const [cmd, ...args] = nodeGyp();
    try {
      execFileSync(cmd, [...args, 'rebuild', '--release', `--nodedir=${nodeDir}`, '--jobs', String(os.availableParallelism())], { cwd: copy, stdio: 'pipe', maxBuffer: 64 << 20 });
    } catch (err) {
      // the compiler's output only when it failed (a working build warns a lot)
      throw new Error(`node-gyp could not build better-sqlite3 for Node ${major}:\n${String(err.stderr).slice(-4000)}`);
    }
    fs.mkdirSync(path.join(out, `abi-${abi}`), { recursive: true });
    fs.copyFileSync(path.join(copy, 'build', 'Release', 'better_sqlite3.node'), path.join(out, `abi-${abi}`, 'better_sqlite3.node'));
    fs.writeFileSync(stamp, JSON.stringify({ abi, betterSqlite3: version, headers }) + '\n');
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

for (const major of majors) if (major !== current) build(major);
