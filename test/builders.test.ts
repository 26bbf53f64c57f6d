// Builders: exact argv for every build type (golden), the missing-tool refusal, and real
// builds on the engine: the test repositories' Dockerfile and static site, a failing build,
// build args and stages, build secrets through BuildKit (never in the log or the image
// history), the classic builder refusing secrets, and a cancelled build.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { dockerBuildCommand, hasBuildKit, secretFlags } from '../src/deploy/builders/docker-build.js';
import { DockerfileBuilder, dockerfileSpec } from '../src/deploy/builders/dockerfile.js';
import { builderFor } from '../src/deploy/builders/index.js';
import { copyOutCommands, NixpacksBuilder, nixpacksCommand } from '../src/deploy/builders/nixpacks.js';
import { herokuBuilderImage, PackBuilder, packCommand, PAKETO_BUILDER_IMAGE } from '../src/deploy/builders/pack.js';
import { buildPathOf, within } from '../src/deploy/builders/paths.js';
import { RailpackBuilder, railpackCommands } from '../src/deploy/builders/railpack.js';
import { STATIC_BASE_IMAGE, StaticBuilder, staticDockerfile } from '../src/deploy/builders/static.js';
import { isInstalled } from '../src/deploy/builders/tools.js';
import type { DeployableApplication } from '../src/deploy/types.js';
import { appRow, docker, run, runId, testEnv, testJob, writeTree } from './helpers/job.js';

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

describe('build command lines (pure, golden)', () => {
  test('docker build: Dockerfile, tag, stage, build args, secrets by reference, no-cache, context last', () => {
    const spec = { dockerfile: '/w/code/Dockerfile', context: '/w/code', tag: 'web-x1:dep1', target: 'prod', buildArgs: { NODE_ENV: 'production', MSG: 'two words' }, secrets: { NPM_TOKEN: 'npm-secret', PATH: 'p' }, noCache: true };
    assert.deepEqual(dockerBuildCommand('docker', spec, true), {
      argv: [
        'docker', 'build', '-f', '/w/code/Dockerfile', '-t', 'web-x1:dep1', '--target', 'prod',
        '--build-arg', 'NODE_ENV=production', '--build-arg', 'MSG=two words',
        '--secret', 'id=NPM_TOKEN,env=BERTH_BUILD_SECRET_0', '--secret', 'id=PATH,env=BERTH_BUILD_SECRET_1',
        '--no-cache', '--pull', '/w/code',
      ],
      env: { DOCKER_BUILDKIT: '1', BERTH_BUILD_SECRET_0: 'npm-secret', BERTH_BUILD_SECRET_1: 'p' },
    });
    assert.deepEqual(dockerBuildCommand('/usr/bin/docker', { ...spec, target: null, buildArgs: {}, secrets: {}, noCache: false }, false), {
      argv: ['/usr/bin/docker', 'build', '-f', '/w/code/Dockerfile', '-t', 'web-x1:dep1', '/w/code'],
      env: { DOCKER_BUILDKIT: '0' },
    });
    assert.deepEqual(secretFlags({}), { argv: [], env: {} });
  });

  test('static: a busybox httpd image on port 80, SPA fallback through its E404 page', () => {
    assert.equal(STATIC_BASE_IMAGE, 'busybox:latest');
    assert.equal(staticDockerfile(false), 'FROM busybox:latest\nCOPY . /www/\nEXPOSE 80\nCMD ["httpd", "-f", "-v", "-p", "80", "-h", "/www"]\n');
    assert.equal(
      staticDockerfile(true),
      "FROM busybox:latest\nCOPY . /www/\nRUN echo 'E404:/www/index.html' > /etc/httpd.conf\nEXPOSE 80\nCMD [\"httpd\", \"-f\", \"-v\", \"-p\", \"80\", \"-h\", \"/www\"]\n",
    );
  });

  test('nixpacks: as Dokploy runs it, runtime env as build env; a publish directory is copied out of the image', () => {
    assert.deepEqual(nixpacksCommand({ buildDir: '/w/code', tag: 'web:d1', env: { A: '1', B: 'x y' }, noCache: false }), ['nixpacks', 'build', '/w/code', '--name', 'web:d1', '--env', 'A=1', '--env', 'B=x y']);
    assert.deepEqual(nixpacksCommand({ buildDir: '/w/code', tag: 'web:d1', env: {}, noCache: true, publishDirectory: 'dist' }), ['nixpacks', 'build', '/w/code', '--name', 'web:d1', '--no-cache', '--no-error-without-start']);
    assert.deepEqual(copyOutCommands('docker', 'web:d1', 'berth-publish-d1', '../dist/', '/w/publish'), [
      ['docker', 'create', '--name', 'berth-publish-d1', 'web:d1'],
      ['docker', 'cp', 'berth-publish-d1:/app/dist/.', '/w/publish'],
      ['docker', 'rm', '-f', 'berth-publish-d1'],
    ]);
  });

  test('heroku and paketo buildpacks: pack build with their builder image', () => {
    assert.equal(herokuBuilderImage({ herokuVersion: null }), 'heroku/builder:24');
    assert.equal(herokuBuilderImage({ herokuVersion: '22' }), 'heroku/builder:22');
    assert.deepEqual(packCommand({ builder: 'heroku/builder:24', buildDir: '/w/code/api', tag: 'api:d2', env: { PORT: '3000' }, clearCache: true }), [
      'pack', 'build', 'api:d2', '--path', '/w/code/api', '--builder', 'heroku/builder:24', '--clear-cache', '--env', 'PORT=3000',
    ]);
    assert.deepEqual(packCommand({ builder: PAKETO_BUILDER_IMAGE, buildDir: '/w/code', tag: 'api:d2', env: {}, clearCache: false }), [
      'pack', 'build', 'api:d2', '--path', '/w/code', '--builder', 'paketobuildpacks/builder-jammy-full',
    ]);
  });

  test('railpack: its own BuildKit builder, prepare, buildx build of the plan with the env as secrets, builder removed', () => {
    const steps = railpackCommands({ docker: 'docker', version: '0.15.4', buildId: 'd3', buildDir: '/w/code', planDir: '/w', tag: 'web:d3', env: { A: '1' }, noCache: true });
    assert.deepEqual(steps, {
      createBuilder: ['docker', 'buildx', 'create', '--name', 'railpack-d3', '--driver', 'docker-container'],
      prepare: ['railpack', 'prepare', '/w/code', '--plan-out', '/w/railpack-plan.json', '--info-out', '/w/railpack-info.json', '--env', 'A=1'],
      build: [
        'docker', 'buildx', 'build', '--builder', 'railpack-d3',
        '--build-arg', 'secrets-hash=f1d316d330440dea46d96ad43f6562ff9411c1b84700794dcd584f18146a18f6',
        '--build-arg', 'cache-key=d3',
        '--build-arg', 'BUILDKIT_SYNTAX=ghcr.io/railwayapp/railpack-frontend:v0.15.4',
        '-f', '/w/railpack-plan.json', '--output', 'type=docker,name=web:d3',
        '--secret', 'id=A,env=BERTH_BUILD_SECRET_0', '/w/code',
      ],
      buildEnv: { BERTH_BUILD_SECRET_0: '1' },
      removeBuilder: ['docker', 'buildx', 'rm', 'railpack-d3'],
    });
  });

  test('the registry gives each build type its builder', () => {
    const o = { docker };
    assert.ok(builderFor('dockerfile', o) instanceof DockerfileBuilder);
    assert.ok(builderFor('static', o) instanceof StaticBuilder);
    assert.ok(builderFor('nixpacks', o) instanceof NixpacksBuilder);
    assert.ok(builderFor('heroku_buildpacks', o) instanceof PackBuilder);
    assert.ok(builderFor('paketo_buildpacks', o) instanceof PackBuilder);
    assert.ok(builderFor('railpack', o) instanceof RailpackBuilder);
  });
});

describe('tools that are not installed', () => {
  for (const [buildType, tool] of [['nixpacks', 'nixpacks'], ['heroku_buildpacks', 'pack'], ['paketo_buildpacks', 'pack'], ['railpack', 'railpack']] as const) {
    test(`${buildType}: fails at once with "${tool} is not installed on this server"`, async () => {
      assert.equal(isInstalled(tool), false, `${tool} is really missing here`);
      const job = testJob(appRow({ buildType }));
      try {
        const started = Date.now();
        await assert.rejects(builderFor(buildType, { docker }).build(job.ctx, tree({ 'index.js': '' }), 'x:y'), { message: `${tool} is not installed on this server` });
        assert.ok(Date.now() - started < 100);
      } finally {
        job.cleanup();
      }
    });
  }

  test('a tool is found on PATH only when executable', () => {
    const bin = fs.mkdtempSync(path.join(tmp, 'bin-'));
    fs.writeFileSync(path.join(bin, 'nixpacks'), '#!/bin/sh\n', { mode: 0o644 });
    assert.equal(isInstalled('nixpacks', bin), false);
    fs.chmodSync(path.join(bin, 'nixpacks'), 0o755);
    assert.equal(isInstalled('nixpacks', `/nonexistent:${bin}`), true);
  });
});

describe('build paths', () => {
  test("each source kind's build path column; Dockerfile relative to it, context relative to the root", async () => {
    const kinds: [DeployableApplication['sourceType'], Partial<DeployableApplication>][] = [
      ['github', { buildPath: '/a' }],
      ['gitlab', { gitlabBuildPath: '/a' }],
      ['bitbucket', { bitbucketBuildPath: '/a' }],
      ['gitea', { giteaBuildPath: '/a' }],
      ['git', { customGitBuildPath: '/a' }],
      ['drop', { dropBuildPath: 'a' }],
    ];
    for (const [sourceType, fields] of kinds) assert.equal(buildPathOf(appRow({ sourceType, ...fields })), fields[Object.keys(fields)[0] as keyof typeof fields]);
    assert.equal(buildPathOf(appRow({ sourceType: 'drop', dropBuildPath: null })), '/');

    const root = fs.realpathSync(tree({ 'apps/web/docker/Dockerfile.prod': 'FROM scratch', 'apps/shared/x': '' }));
    const app = appRow({ sourceType: 'github', buildPath: '/apps/web', dockerfile: 'docker/Dockerfile.prod', dockerContextPath: '/apps', dockerBuildStage: 'prod', buildArgs: 'A=1\nB="two words"', buildSecrets: 'S=secret-value', cleanCache: true });
    assert.deepEqual(await dockerfileSpec(app, root, 'web:d1', { A: '1', B: 'two words' }), {
      dockerfile: path.join(root, 'apps/web/docker/Dockerfile.prod'),
      context: path.join(root, 'apps'),
      tag: 'web:d1',
      target: 'prod',
      buildArgs: { A: '1', B: 'two words' },
      secrets: { S: 'secret-value' },
      noCache: true,
    });
    const byDefault = await dockerfileSpec(appRow({ sourceType: 'github', buildPath: '/apps/web', dockerfile: 'docker/Dockerfile.prod' }), root, 't:1', {});
    assert.equal(byDefault.context, path.join(root, 'apps/web/docker'), "no context path: the Dockerfile's folder");
  });

  test('a path leaving the source, directly or through a symbolic link, or missing, is refused', async () => {
    const root = tree({ Dockerfile: 'FROM scratch', etc: { link: '/etc' }, up: { link: '..' } });
    await assert.rejects(within(root, root, '../..', 'build path'), /the build path "\.\.\/\.\." is outside the source/);
    await assert.rejects(within(root, root, '/etc', 'build path'), /leads outside the source \(symbolic link\)/);
    await assert.rejects(within(root, root, 'up', 'build path'), /leads outside the source/);
    await assert.rejects(within(root, root, 'nope', 'Docker context path'), /the Docker context path "nope" does not exist in the source/);
    await assert.rejects(dockerfileSpec(appRow({ dockerfile: 'etc/passwd' }), root, 't:1', {}), /the Dockerfile "etc\/passwd" leads outside/);
  });
});

// --- real builds ----------------------------------------------------------------------------

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
