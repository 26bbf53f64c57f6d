// Builders without an engine: exact argv for every build type (golden), the missing-tool
// refusal, and build paths. Real builds on the engine: test/builders.test.ts.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { dockerBuildCommand, secretFlags } from '../../src/deploy/builders/docker-build.js';
import { DockerfileBuilder, dockerfileSpec } from '../../src/deploy/builders/dockerfile.js';
import { builderFor } from '../../src/deploy/builders/index.js';
import { copyOutCommands, NixpacksBuilder, nixpacksCommand } from '../../src/deploy/builders/nixpacks.js';
import { herokuBuilderImage, PackBuilder, packCommand, PAKETO_BUILDER_IMAGE } from '../../src/deploy/builders/pack.js';
import { buildPathOf, within } from '../../src/deploy/builders/paths.js';
import { RailpackBuilder, railpackCommands } from '../../src/deploy/builders/railpack.js';
import { STATIC_BASE_IMAGE, StaticBuilder, staticDockerfile } from '../../src/deploy/builders/static.js';
import { isInstalled } from '../../src/deploy/builders/tools.js';
import type { DeployableApplication } from '../../src/deploy/types.js';
import { appRow, testJob, writeTree } from '../helpers/job.js';

/** No build reaches the CLI here: a missing tool is refused before it would run. */
const docker = 'docker';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-build-commands-test-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

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
