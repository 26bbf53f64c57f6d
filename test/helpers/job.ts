// A deploy job as a source or builder sees it (JobContext) on a real log and real exec.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createExec } from '../../src/deploy/exec.js';
import { parseDotenv } from '../../src/model/dotenv.js';
import { DeploymentLogs, type DeploymentLog } from '../../src/deploy/log.js';
import { redactorFor } from '../../src/deploy/redact.js';
import type { DeployableApplication, JobContext } from '../../src/deploy/types.js';

/** Git without the machine's configuration, committing as a test identity. */
export const gitTestEnv = {
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Berth Test',
  GIT_AUTHOR_EMAIL: 'test@berth.invalid',
  GIT_COMMITTER_NAME: 'Berth Test',
  GIT_COMMITTER_EMAIL: 'test@berth.invalid',
};

/** A unique, DNS- and docker-safe name for this run's resources. */
export const runId = `t${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

/** Runs a program (argv, no shell); resolves with stdout, rejects with stderr. */
export function run(argv: string[], opts: { cwd?: string; env?: Record<string, string>; input?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(argv[0], argv.slice(1), { cwd: opts.cwd, env: { ...process.env, ...opts.env }, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${argv.join(' ')}: ${stderr || err.message}`)) : resolve(String(stdout)),
    );
    if (opts.input !== undefined) child.stdin!.end(opts.input);
  });
}

/** An application row with Berth's defaults, as a job gets it. */
export function appRow(overrides: Partial<DeployableApplication> = {}): DeployableApplication {
  const base: Partial<DeployableApplication> = {
    applicationId: `app-${runId}`,
    name: 'test',
    appName: `berth-${runId}`,
    applicationStatus: 'idle',
    sourceType: 'git',
    enableSubmodules: false,
    buildType: 'dockerfile',
    dockerfile: 'Dockerfile',
    buildPath: '/',
    gitlabBuildPath: '/',
    bitbucketBuildPath: '/',
    giteaBuildPath: '/',
    createEnvFile: true,
    cleanCache: false,
    herokuVersion: '24',
    railpackVersion: '0.15.4',
    replicas: 1,
    env: null,
    buildArgs: null,
    buildSecrets: null,
    previewEnv: null,
    previewBuildArgs: null,
    previewBuildSecrets: null,
    password: null,
    mounts: [],
    ports: [],
  };
  return { ...base, ...overrides } as DeployableApplication;
}

export interface TestJob {
  ctx: JobContext;
  log: DeploymentLog;
  controller: AbortController;
  /** The log file's text (the log ended first if still open). */
  logText(): string;
  cleanup(): void;
}

let jobs = 0;

/** A job for `app` with a private work dir and a real, redacting log; `secrets` are what the pipeline would add. */
export function testJob(app: DeployableApplication, secrets: string[] = []): TestJob {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-job-'));
  const deploymentId = `${runId}-${++jobs}`;
  const workDir = path.join(root, 'builds', deploymentId);
  fs.mkdirSync(workDir, { recursive: true, mode: 0o700 });
  const log = new DeploymentLogs(root).open(app.appName, deploymentId, redactorFor(app, secrets));
  const controller = new AbortController();
  const vars = { env: parseDotenv(app.env), buildArgs: parseDotenv(app.buildArgs) };
  const ctx: JobContext = { deploymentId, app, workDir, log, signal: controller.signal, exec: createExec({ log, signal: controller.signal }), vars };
  return {
    ctx,
    log,
    controller,
    logText() {
      log.end('done');
      return fs.readFileSync(log.path, 'utf8');
    },
    cleanup: () => fs.rmSync(root, { recursive: true, force: true }),
  };
}

/** Every file under `dir` (relative paths, sorted), `.git` excluded. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.name === '.git') continue;
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(d, e.name), r);
      else out.push(r);
    }
  };
  walk(dir, '');
  return out.sort();
}

/** Writes `files` (path → content; `{ link }` makes a symlink) under `dir`; returns `dir`. */
export function writeTree(dir: string, files: Record<string, string | { link: string }>): string {
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(dir, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    if (typeof content === 'string') fs.writeFileSync(p, content);
    else fs.symlinkSync(content.link, p);
  }
  return dir;
}
