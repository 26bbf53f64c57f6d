// Builders on the engine (their argv and refusals: test/unit/build-commands.test.ts): the
// test repositories' Dockerfile and static site, a failing build,
// build args and stages, build secrets through BuildKit (never in the log or the image
// history), the classic builder refusing secrets, and a cancelled build.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { hasBuildKit } from '../src/deploy/builders/docker-build.js';
import { DockerfileBuilder } from '../src/deploy/builders/dockerfile.js';
import { StaticBuilder } from '../src/deploy/builders/static.js';
import { appRow, run, runId, testJob, writeTree } from './helpers/job.js';
import { readTestEnv } from './helpers/test-env.js';

const testEnv = readTestEnv();
const docker = testEnv.dockerCli;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-builders-test-'));
const images = new Set<string>();
let n = 0;
/** A unique image tag, removed after the tests. */
const tagFor = (what: string) => {
  const tag = `berth-test-${runId}-${what}:d${++n}`;
  images.add(tag);
  return tag;
};

after(async () => {
  for (const tag of images) await run([docker, 'rmi', '-f', tag]).catch(() => {});
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A source tree with `files`; `{ link }` makes a symlink. */
function tree(files: Record<string, string | { link: string }>): string {
  return writeTree(fs.mkdtempSync(path.join(tmp, 'src-')), files);
}


/** The test git server's repository, checked out as a source would. */
async function checkout(repo: string): Promise<string> {
  const dir = path.join(fs.mkdtempSync(path.join(tmp, 'co-')), 'code');
  await run(['git', 'clone', '-q', '--depth', '1', '--', testEnv.git.repos[repo].publicHttpUrl, dir], { env: { GIT_CONFIG_GLOBAL: '/dev/null' } });
  return dir;
}

/** Runs `tag` with its port 80 or 3000 published on a loopback port; returns the base URL and a stop function. */
async function serve(tag: string, port: number): Promise<{ url: string; stop: () => Promise<void> }> {
  const name = `berth-test-${runId}-${++n}`;
  await run([docker, 'run', '-d', '--rm', '--name', name, '-p', `127.0.0.1::${port}`, tag]);
  const mapped = (await run([docker, 'port', name, `${port}/tcp`])).trim().split('\n')[0];
  const url = `http://${mapped}`;
  for (let i = 0; i < 50; i++) {
    if (await fetch(url).then(() => true, () => false)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, stop: () => run([docker, 'rm', '-f', name]).then(() => {}) };
}

const get = async (url: string) => {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
};

describe('dockerfile builds on the engine', () => {
  before(async () => assert.equal(await hasBuildKit(docker), true, 'the test engine builds with BuildKit'));

  test('hello-dockerfile builds into the immutable tag, and the image serves the page', async () => {
    const dir = await checkout('hello-dockerfile');
    const job = testJob(appRow({ buildType: 'dockerfile' }));
    try {
      const tag = tagFor('hello');
      await new DockerfileBuilder({ docker }).build(job.ctx, dir, tag);
      const { url, stop } = await serve(tag, 3000);
      try {
        assert.deepEqual(await get(url), { status: 200, body: 'hello-dockerfile main\n' });
      } finally {
        await stop();
      }
      assert.match(job.logText(), new RegExp(`Building ${tag} with BuildKit`));
    } finally {
      job.cleanup();
    }
  });

  test('build args, the target stage, the context path and the .env file reach the build', async () => {
    const dir = tree({
      'docker/Dockerfile': [
        'FROM busybox:latest AS base',
        'ARG GREETING',
        'COPY shared/ /shared/',
        'COPY docker/.env /app.env',
        'RUN echo "$GREETING" > /greeting',
        'FROM base AS prod',
        'RUN echo prod > /stage',
        'FROM base AS other',
        'RUN echo other > /stage',
        '',
      ].join('\n'),
      'shared/file.txt': 'shared\n',
    });
    const app = appRow({ dockerfile: 'docker/Dockerfile', dockerContextPath: '/', dockerBuildStage: 'prod', buildArgs: 'GREETING="hello there"', env: 'RUNTIME=yes' });
    const job = testJob(app);
    try {
      const tag = tagFor('args');
      await new DockerfileBuilder({ docker }).build(job.ctx, dir, tag);
      const out = await run([docker, 'run', '--rm', tag, 'cat', '/greeting', '/stage', '/shared/file.txt', '/app.env']);
      // the .env holds the resolved runtime env, one quoted value per line
      assert.equal(out, 'hello there\nprod\nshared\nRUNTIME="yes"\n');
    } finally {
      job.cleanup();
    }
  });

  test('a failing build is rejected, with its output in the log', async () => {
    const dir = tree({ Dockerfile: 'FROM busybox:latest\nRUN echo "about to fail" && exit 3\n' });
    const job = testJob(appRow());
    try {
      await assert.rejects(new DockerfileBuilder({ docker }).build(job.ctx, dir, tagFor('fail')), { message: `${docker} exited with 1` });
      const text = job.logText();
      assert.match(text, /about to fail/);
      assert.match(text, /exit code: 3|returned a non-zero code: 3/);
    } finally {
      job.cleanup();
    }
  });

  test('a build secret reaches the build, and is neither in the log nor in the image or its history', async () => {
    const secret = `s3cret-${runId}`;
    // BuildKit does not key its cache on secret values: a step of its own per run.
    const dir = tree({ Dockerfile: `FROM busybox:latest\nRUN --mount=type=secret,id=TOKEN cat /run/secrets/TOKEN > /x && echo "token is $(cat /run/secrets/TOKEN)" && echo ${runId}\n` });
    const job = testJob(appRow({ buildSecrets: `TOKEN=${secret}` }));
    try {
      const tag = tagFor('secret');
      await new DockerfileBuilder({ docker }).build(job.ctx, dir, tag);
      assert.equal(await run([docker, 'run', '--rm', tag, 'cat', '/x']), secret);
      const text = job.logText();
      assert.ok(!text.includes(secret), 'not in the log');
      assert.match(text, /token is \*{8}/, 'the line that printed it is in the log, redacted');
      assert.ok(!(await run([docker, 'history', '--no-trunc', tag])).includes(secret), 'not in the history');
      assert.ok(!(await run([docker, 'image', 'inspect', tag])).includes(secret), 'not in the image config');
    } finally {
      job.cleanup();
    }
  });

  test('with a docker CLI that has no BuildKit: secrets are refused (never made build args), plain builds use the classic builder', async () => {
    // Behaves like a docker CLI without buildx: BuildKit builds fail, classic ones work.
    const cli = path.join(fs.mkdtempSync(path.join(tmp, 'cli-')), 'docker');
    fs.writeFileSync(cli, `#!/bin/sh\nif [ "$DOCKER_BUILDKIT" = 1 ]; then echo 'ERROR: BuildKit is enabled but the buildx component is missing or broken.' >&2; exit 1; fi\nexec ${docker} "$@"\n`, { mode: 0o755 });
    assert.equal(await hasBuildKit(cli), false);
    const dir = tree({ Dockerfile: 'FROM busybox:latest\nRUN echo classic > /built\n' });
    const secretJob = testJob(appRow({ buildSecrets: 'TOKEN=classic-secret', buildArgs: 'A=1' }));
    try {
      await assert.rejects(new DockerfileBuilder({ docker: cli }).build(secretJob.ctx, dir, tagFor('classic')), /build secrets need BuildKit.*never passed as a build argument/);
      assert.ok(!secretJob.logText().includes('classic-secret'));
    } finally {
      secretJob.cleanup();
    }
    const job = testJob(appRow());
    try {
      const tag = tagFor('classic');
      await new DockerfileBuilder({ docker: cli }).build(job.ctx, dir, tag);
      assert.equal(await run([docker, 'run', '--rm', tag, 'cat', '/built']), 'classic\n');
      assert.match(job.logText(), /with the classic builder/);
    } finally {
      job.cleanup();
    }
  });

  test('a cancelled build stops at once and tags nothing', async () => {
    const dir = tree({ Dockerfile: `FROM busybox:latest\nRUN echo ${runId} && sleep 60\n` });
    const job = testJob(appRow());
    try {
      const tag = tagFor('cancel');
      const build = new DockerfileBuilder({ docker }).build(job.ctx, dir, tag);
      // cancel once the slow step runs
      while (!fs.readFileSync(job.log.path, 'utf8').includes('sleep 60')) await new Promise((r) => setTimeout(r, 50));
      const started = Date.now();
      job.controller.abort();
      await assert.rejects(build, { name: 'AbortError', message: 'cancelled' });
      assert.ok(Date.now() - started < 3000, `cancelled in ${Date.now() - started} ms`);
      await assert.rejects(run([docker, 'image', 'inspect', tag]), /No such image/);
    } finally {
      job.cleanup();
    }
  });
});

describe('static builds on the engine', () => {
  test('hello-static is served on port 80 by busybox httpd; .git is not in the image', async () => {
    const dir = await checkout('hello-static');
    const job = testJob(appRow({ buildType: 'static', isStaticSpa: false }));
    try {
      const tag = tagFor('static');
      await new StaticBuilder({ docker }).build(job.ctx, dir, tag);
      const { url, stop } = await serve(tag, 80);
      try {
        const home = await get(`${url}/`);
        assert.equal(home.status, 200);
        assert.match(home.body, /<h1>hello-static<\/h1>/);
        assert.equal((await get(`${url}/some/route`)).status, 404);
        assert.equal((await get(`${url}/.git/config`)).status, 404);
      } finally {
        await stop();
      }
      assert.match(await run([docker, 'run', '--rm', tag, 'ls', '-a', '/www']), /^\.\n\.\.\nindex\.html\n$/);
    } finally {
      job.cleanup();
    }
  });

  test('with SPA fallback, unknown paths answer index.html; the publish directory is what is served', async () => {
    const dir = tree({ 'web/dist/index.html': '<div id="app">spa</div>', 'web/dist/assets/app.js': 'console.log(1)', 'web/src/main.ts': 'secret source', '.env': 'KEY=value' });
    const job = testJob(appRow({ buildType: 'static', sourceType: 'github', buildPath: '/web', publishDirectory: 'dist', isStaticSpa: true }));
    try {
      const tag = tagFor('spa');
      await new StaticBuilder({ docker }).build(job.ctx, dir, tag);
      const { url, stop } = await serve(tag, 80);
      try {
        assert.deepEqual(await get(`${url}/assets/app.js`), { status: 200, body: 'console.log(1)' });
        const deep = await get(`${url}/users/42/settings`);
        assert.equal(deep.body, '<div id="app">spa</div>', 'the client-side route loads the app');
        assert.equal(deep.status, 404, "busybox httpd's error page keeps the 404 status");
        assert.notEqual((await get(`${url}/main.ts`)).body, 'secret source');
      } finally {
        await stop();
      }
    } finally {
      job.cleanup();
    }
  });
});
