#!/usr/bin/env node
// `berth token …`: manage API tokens straight in the data directory, for operators who
// have no token yet (or lost the admin one). Safe while the server runs: SQLite is in WAL
// mode and the server reads the token table on every request, so changes apply at once.
// `berth copy-db <file>`: a consistent copy of berth.db while Berth runs (backups).
// `berth backup` / `berth restore`: the server's own backup archive, to and from a folder or S3.
// `berth registry-service`: the cluster's registry as a Swarm service on the manager.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import bcrypt from 'bcryptjs';
import Database from 'better-sqlite3';
import { loadConfig } from './config.js';
import { createEngine } from './docker/engine.js';
import { ensureRegistryService } from './docker/registry-service.js';
import { apiKeyCreate } from './model/api-key.js';
import { LOCAL_PROVIDER, normalizePrefix } from './model/backup.js';
import type { ApiKeyView } from './store/api-keys.js';
import type { Store } from './store/index.js';
import { nativeBinding } from './store/native-binding.js';
import { openDataDir } from './store/open.js';
import { version } from './version.js';

const USAGE = `Usage:
  berth token create --name <name> [--role admin|deployer|read-only] [--expires-in <seconds>]
  berth token list
  berth token revoke <id>
  berth copy-db <file>
  berth backup [--data-dir DIR] --to DIR|s3://BUCKET[/PREFIX] [--passphrase-file F] [--no-secret-key]
  berth restore ARCHIVE --data-dir DIR [--passphrase-file F]
  berth registry-service [--port 5000] [--image <image>] [--tls-cert <pem> --tls-key <pem>]

Works on the data directory in BERTH_DATA_DIR (default ./data), also while Berth runs.
"copy-db" writes a consistent copy of berth.db (SQLite's online backup) to a new file.
"create" prints the new token alone on standard output, once: Berth keeps only its hash.
The role defaults to admin.
"backup" writes one archive (database, secret.key, Traefik folder, file mounts, manifest) to a
folder or an S3 bucket (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_ENDPOINT_URL),
encrypted with the passphrase in F, else BERTH_BACKUP_PASSPHRASE when set.
"restore" unpacks an archive (a file, or s3://BUCKET/KEY) into a new or empty DIR that no Berth
runs on, after checking its schema and every checksum; then start Berth with BERTH_DATA_DIR=DIR.
"registry-service" creates or updates the Swarm service berth-registry (the Distribution
registry, image --image or BERTH_REGISTRY_IMAGE, default registry:2; pinned to this manager,
data in its volume berth-registry-data) with the one user BERTH_REGISTRY_USERNAME /
BERTH_REGISTRY_PASSWORD, then prints the BERTH_REGISTRY_URL to set.
Without a certificate every node must list that address in its "insecure-registries".`;

/** Bad command line: exit 2 with the usage text. */
class UsageError extends Error {}
/** The command was understood but cannot be done: exit 1. */
class Failure extends Error {}

const flagOf: Record<string, string> = { name: '--name', role: '--role', expiresIn: '--expires-in' };

function parse(args: string[], options: ParseArgsConfig['options'], positionals: number) {
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args, options, allowPositionals: positionals > 0, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (parsed.positionals.length !== positionals)
    throw new UsageError(`expected ${positionals} argument(s), got ${parsed.positionals.length}`);
  return parsed;
}

function withStore<T>(work: (store: Store) => T): T {
  const { dataDir } = loadConfig();
  // Refuse a directory Berth never ran in, rather than quietly making a new empty one.
  if (!fs.existsSync(path.join(dataDir, 'berth.db')))
    throw new Failure(`no Berth data in ${dataDir}: start Berth once, or set BERTH_DATA_DIR`);
  const data = openDataDir(dataDir);
  try {
    return work(data.store);
  } finally {
    data.close();
  }
}

const minute = (iso: string | null) => (iso ? iso.slice(0, 16).replace('T', ' ') + 'Z' : 'never');

function table(rows: ApiKeyView[]): string {
  const cells = [
    ['ID', 'NAME', 'ROLE', 'CREATED', 'EXPIRES', 'ENABLED'],
    ...rows.map((k) => [k.id, k.name, k.role, minute(k.createdAt), minute(k.expiresAt), k.enabled ? 'yes' : 'no']),
  ];
  const widths = cells[0].map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  return cells.map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

function tokenCreate(args: string[]): void {
  const { values } = parse(args, { name: { type: 'string' }, role: { type: 'string' }, 'expires-in': { type: 'string' } }, 0);
  if (values.name === undefined) throw new UsageError('--name is required');
  const raw = values['expires-in'];
  // The API's own schema, so a token made here obeys the same rules as one made over HTTP.
  const input = apiKeyCreate.pick({ name: true, role: true, expiresIn: true }).safeParse({
    name: values.name,
    role: values.role,
    expiresIn: typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : raw,
  });
  if (!input.success)
    throw new UsageError(input.error.issues.map((i) => `${flagOf[String(i.path[0])] ?? 'input'}: ${i.message}`).join('; '));

  const t = withStore((store) => store.apiKeys.create(input.data));
  process.stderr.write(`Created ${t.role} token "${t.name}" (id ${t.id}, expires ${minute(t.expiresAt)}). It is shown once:\n`);
  process.stdout.write(`${t.key}\n`);
}

function tokenList(args: string[]): void {
  parse(args, {}, 0);
  console.log(table(withStore((store) => store.apiKeys.list())));
}

function tokenRevoke(args: string[]): void {
  // ids are nanoids, whose alphabet has "-": one may start with it and must not read as an option
  const [id] = parse(args[0] === '--' ? args : ['--', ...args], {}, 1).positionals;
  if (!withStore((store) => store.apiKeys.revoke(id))) throw new Failure(`no token with id "${id}" (see: berth token list)`);
  console.log(`Revoked token ${id}; requests with it are refused from now on.`);
}

/** A copy of a database being written could be torn: SQLite's backup copies a consistent state. */
async function copyDb(args: string[]): Promise<void> {
  const [dest] = parse(args, {}, 1).positionals;
  const source = path.join(loadConfig().dataDir, 'berth.db');
  if (!fs.existsSync(source)) throw new Failure(`no Berth data at ${source}: set BERTH_DATA_DIR`);
  if (fs.existsSync(dest)) throw new Failure(`${dest} exists: copy to a new file`);
  const db = new Database(source, { readonly: true, fileMustExist: true, nativeBinding });
  try {
    await db.backup(dest);
  } finally {
    db.close();
  }
  console.log(`berth.db copied to ${dest}`);
}

/** The passphrase: from a file (first line), else BERTH_BACKUP_PASSPHRASE. */
function passphraseOf(file: unknown): string | undefined {
  if (typeof file !== 'string') return loadConfig().backup.passphrase;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Failure(`cannot read ${file}: ${(err as Error).message}`);
  }
  const passphrase = text.split(/\r?\n/)[0];
  if (!passphrase) throw new Failure(`${file} holds no passphrase (its first line is empty)`);
  return passphrase;
}

/** `s3://bucket/prefix` with the credentials of the AWS CLI's environment variables. */
function s3Of(url: string) {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!m) throw new UsageError(`"${url}" is not s3://BUCKET[/PREFIX]`);
  const { AWS_ACCESS_KEY_ID: accessKey, AWS_SECRET_ACCESS_KEY: secretAccessKey } = process.env;
  if (!accessKey || !secretAccessKey) throw new Failure('set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_ENDPOINT_URL for storage other than AWS, AWS_REGION if not us-east-1)');
  const values = { provider: 'S3', accessKey, secretAccessKey, bucket: m[1], region: process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || 'us-east-1', endpoint: process.env.AWS_ENDPOINT_URL || '' };
  return { values, path: m[2] };
}

async function backup(args: string[]): Promise<void> {
  const { values } = parse(args, { 'data-dir': { type: 'string' }, to: { type: 'string' }, 'passphrase-file': { type: 'string' }, 'no-secret-key': { type: 'boolean' } }, 0);
  if (typeof values.to !== 'string') throw new UsageError('--to is required: a folder, or s3://BUCKET[/PREFIX]');
  const dataDir = path.resolve(typeof values['data-dir'] === 'string' ? values['data-dir'] : loadConfig().dataDir);
  const passphrase = passphraseOf(values['passphrase-file']);
  const target = values.to.startsWith('s3://') ? s3Of(values.to) : { values: { provider: LOCAL_PROVIDER, accessKey: '', secretAccessKey: '', bucket: path.resolve(values.to), region: '', endpoint: '' }, path: '' };
  const { createArchive } = await import('./backup/archive.js');
  const { archiveName, keyOf } = await import('./backup/naming.js');
  const { openDestination } = await import('./backup/destination.js');
  if (target.values.provider === LOCAL_PROVIDER) fs.mkdirSync(target.values.bucket, { recursive: true });
  const name = archiveName(new Date(), !!passphrase);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cli-backup-'));
  try {
    const file = path.join(tmp, name);
    const { sizeBytes } = await createArchive({ dataDir, out: file, passphrase, includeSecretKey: !values['no-secret-key'], berthVersion: version }).catch((err: Error) => {
      throw new Failure(err.message);
    });
    const key = keyOf(normalizePrefix(target.path), name);
    await (await openDestination(target.values)).put(key, file).catch((err: Error) => {
      throw new Failure(err.message);
    });
    if (!passphrase) process.stderr.write('berth: the archive is not encrypted and holds secret.key: keep it as safe as the server (set BERTH_BACKUP_PASSPHRASE or --passphrase-file to encrypt)\n');
    console.log(`${values.to.startsWith('s3://') ? `s3://${target.values.bucket}/${key}` : path.join(target.values.bucket, key)} (${sizeBytes} bytes)`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

async function restore(args: string[]): Promise<void> {
  const { values, positionals } = parse(args, { 'data-dir': { type: 'string' }, 'passphrase-file': { type: 'string' } }, 1);
  if (typeof values['data-dir'] !== 'string') throw new UsageError('--data-dir is required: the new, empty data directory to restore into');
  const passphrase = passphraseOf(values['passphrase-file']);
  const { restoreArchive } = await import('./backup/restore.js');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cli-restore-'));
  try {
    let archive = positionals[0];
    if (archive.startsWith('s3://')) {
      const { values: s3, path: key } = s3Of(archive);
      const { openDestination } = await import('./backup/destination.js');
      const { pipeline } = await import('node:stream/promises');
      archive = path.join(tmp, 'archive');
      await pipeline(await (await openDestination(s3)).get(key), fs.createWriteStream(archive)).catch((err: Error) => {
        throw new Failure(err.message);
      });
    } else if (!fs.existsSync(archive)) throw new Failure(`no archive at ${archive}`);
    const manifest = await restoreArchive({ archive, dataDir: values['data-dir'], passphrase, berthVersion: version }).catch((err: Error) => {
      throw new Failure(`restore refused: ${err.message}`);
    });
    console.log(`Restored the backup of ${manifest.createdAt} (Berth ${manifest.berthVersion}, schema ${manifest.schema.migration}) into ${path.resolve(values['data-dir'])}; start Berth there (BERTH_DATA_DIR) and redeploy the applications.`);
    if (!manifest.includesSecretKey) console.log(`The archive holds no secret.key: copy the old server's secret.key into ${values['data-dir']} (mode 0600) before starting Berth, or its secrets cannot be read.`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** The cluster's registry service; the login Berth will use comes from the same settings it reads. */
async function registryService(args: string[]): Promise<void> {
  const { values } = parse(args, { port: { type: 'string' }, image: { type: 'string' }, 'tls-cert': { type: 'string' }, 'tls-key': { type: 'string' } }, 0);
  const port = Number(values.port ?? 5000);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`--port must be a port number, got "${values.port}"`);
  const [cert, key] = [values['tls-cert'], values['tls-key']] as (string | undefined)[];
  if (!cert !== !key) throw new UsageError('--tls-cert and --tls-key go together');
  const username = process.env.BERTH_REGISTRY_USERNAME;
  const password = process.env.BERTH_REGISTRY_PASSWORD;
  if (!username || !password || username.includes(':')) throw new Failure('set BERTH_REGISTRY_USERNAME (no ":") and BERTH_REGISTRY_PASSWORD: the registry\'s one user, and Berth\'s login to it');
  const read = (file: string) => {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw new Failure(`cannot read ${file}: ${(err as Error).message}`);
    }
  };
  const url = await ensureRegistryService(
    createEngine(loadConfig()),
    {
      image: typeof values.image === 'string' ? values.image : process.env.BERTH_REGISTRY_IMAGE || 'registry:2',
      port,
      htpasswd: `${username}:${bcrypt.hashSync(password, 10)}\n`,
      tls: cert && key ? { certificate: read(cert), key: read(key) } : undefined,
      timeoutMs: 300_000,
    },
    (line) => process.stderr.write(`${line}\n`),
  );
  console.log(`BERTH_REGISTRY_URL=${url}`);
}

const commands: Record<string, (args: string[]) => void> = { create: tokenCreate, list: tokenList, revoke: tokenRevoke };

async function main(argv: string[]): Promise<number> {
  const [group, command, ...rest] = argv;
  if (group !== undefined && ['help', '--help', '-h'].includes(group)) {
    console.log(USAGE);
    return 0;
  }
  try {
    if (group === 'copy-db') {
      await copyDb(argv.slice(1));
      return 0;
    }
    if (group === 'backup' || group === 'restore') {
      await (group === 'backup' ? backup : restore)(argv.slice(1));
      return 0;
    }
    if (group === 'registry-service') {
      await registryService(argv.slice(1));
      return 0;
    }
    if (group !== 'token') throw new UsageError(group === undefined ? 'missing command' : `unknown command "${group}"`);
    const run = commands[command ?? ''];
    if (!run) throw new UsageError(command ? `unknown token command "${command}"` : 'missing token command');
    run(rest);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`berth: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    console.error(`berth: ${(err as Error).message}`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
