// The docker source: the tag resolved to a digest at every deploy (Registry API v2), pulled
// and run by digest, with credentials in a per-job docker config. Real registry: the test
// environment's, on 127.0.0.1:5000 with htpasswd auth.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { credentialsFor, dockerConfigJson, DockerSource, MANIFEST_ACCEPT, pullCommand, resolveDigest } from '../src/deploy/sources/docker.js';
import { normalizeRegistry, parseImageRef } from '../src/deploy/sources/image-ref.js';
import { createEngine } from '../src/docker/engine.js';
import { appRow, run, runId, testJob } from './helpers/job.js';
import { readTestEnv } from './helpers/test-env.js';

const testEnv = readTestEnv();
const docker = testEnv.dockerCli;

const { registry } = testEnv;
// One repository for every run (a registry cannot delete repositories), a tag per run.
const repoPath = 'berth-test/docker-source';
const repo = `${registry.url}/${repoPath}`;
const tag = `v1-${runId}`;
const creds = { username: registry.username, password: registry.password };
const basic = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
const configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-docker-config-'));
const pushed = new Set<string>(); // digests to delete from the registry
const localRefs = new Set<string>(); // local image references to remove

const { dockerHost } = testEnv as typeof testEnv & { dockerHost: string };
const engine = createEngine({ docker: { host: dockerHost } });
const imageExists = (ref: string) => engine.imageExists(ref);

const dockerCli = (...args: string[]) => run([docker, '--config', configDir, ...args]);

/** Pushes `image` and returns the digest the registry reported for it. */
async function push(image: string): Promise<string> {
  const out = await dockerCli('push', image);
  const digest = /digest: (sha256:[a-f0-9]{64})/.exec(out)?.[1];
  assert.ok(digest, out);
  pushed.add(digest);
  return digest;
}

before(async () => {
  await run([docker, '--config', configDir, 'login', registry.url, '-u', creds.username, '--password-stdin'], { input: creds.password });
});

after(async () => {
  for (const digest of pushed) {
    await fetch(`http://${registry.url}/v2/${repoPath}/manifests/${digest}`, { method: 'DELETE', headers: { authorization: basic } });
  }
  for (const ref of localRefs) await run([docker, 'rmi', '-f', ref]).catch(() => {});
  fs.rmSync(configDir, { recursive: true, force: true });
});

describe('image references and credentials (pure)', () => {
  test('references are read the way Docker reads them', () => {
    assert.deepEqual(parseImageRef('nginx'), { name: 'nginx', domain: 'docker.io', repository: 'library/nginx', tag: 'latest' });
    assert.deepEqual(parseImageRef('bitnami/redis:7.2'), { name: 'bitnami/redis', domain: 'docker.io', repository: 'bitnami/redis', tag: '7.2' });
    assert.deepEqual(parseImageRef('127.0.0.1:5000/a/b:v1'), { name: '127.0.0.1:5000/a/b', domain: '127.0.0.1:5000', repository: 'a/b', tag: 'v1' });
    assert.deepEqual(parseImageRef('localhost/x'), { name: 'localhost/x', domain: 'localhost', repository: 'x', tag: 'latest' });
    const digest = `sha256:${'a'.repeat(64)}`;
    assert.deepEqual(parseImageRef(`ghcr.io/o/app:1@${digest}`), { name: 'ghcr.io/o/app', domain: 'ghcr.io', repository: 'o/app', tag: '1', digest });
    assert.throws(() => parseImageRef('Nginx'), /invalid image reference/);
    assert.throws(() => parseImageRef('nginx@sha256:abc'), /digest must be/);
    assert.throws(() => parseImageRef('nginx:-bad'), /bad tag/);
  });

  test('credentials apply to the registry they were given for (or the image’s own when none is named)', () => {
    const ref = parseImageRef('127.0.0.1:5000/a/b');
    assert.deepEqual(credentialsFor(ref, { username: 'u', password: 'p', registryUrl: '127.0.0.1:5000' }), { username: 'u', password: 'p' });
    assert.deepEqual(credentialsFor(ref, { username: 'u', password: 'p', registryUrl: null }), { username: 'u', password: 'p' });
    assert.equal(credentialsFor(ref, { username: 'u', password: 'p', registryUrl: 'ghcr.io' }), undefined);
    assert.equal(credentialsFor(ref, { username: null, password: null, registryUrl: null }), undefined);
    assert.equal(normalizeRegistry('https://index.docker.io/v1/'), 'docker.io');
    assert.deepEqual(credentialsFor(parseImageRef('me/private'), { username: 'u', password: 'p', registryUrl: 'docker.io' }), { username: 'u', password: 'p' });
  });

  test('the per-job docker config holds only this registry’s login; the pull is by digest with that config', () => {
    assert.equal(dockerConfigJson(parseImageRef('127.0.0.1:5000/a'), { username: 'u', password: 'p' }), JSON.stringify({ auths: { '127.0.0.1:5000': { auth: 'dTpw' } } }));
    assert.equal(dockerConfigJson(parseImageRef('me/app'), { username: 'u', password: 'p' }), JSON.stringify({ auths: { 'https://index.docker.io/v1/': { auth: 'dTpw' } } }));
    assert.equal(dockerConfigJson(parseImageRef('nginx'), undefined), '{"auths":{}}');
    assert.deepEqual(pullCommand('/usr/bin/docker', '/w/docker-config', 'nginx@sha256:x'), ['/usr/bin/docker', '--config', '/w/docker-config', 'pull', 'nginx@sha256:x']);
  });
});

describe('digest resolution against registries speaking the token protocol (Docker Hub, GHCR)', () => {
  const digest = `sha256:${'b'.repeat(64)}`;
  /** A registry with a Bearer token service; `withDigestHeader: false` answers like registries that omit Docker-Content-Digest. */
  function tokenRegistry(seen: string[], withDigestHeader = true): typeof fetch {
    const manifest = '{"schemaVersion":2}';
    return async (input, init) => {
      const url = new URL(String(input));
      const auth = (init?.headers as Record<string, string>)?.authorization;
      seen.push(`${init?.method ?? 'GET'} ${url.host}${url.pathname}${url.search} ${auth ?? '-'}`);
      if (url.host === 'auth.example') return Response.json({ token: 'anon-token' });
      if (auth !== 'Bearer anon-token')
        return new Response(null, { status: 401, headers: { 'www-authenticate': 'Bearer realm="https://auth.example/token",service="registry.docker.io",scope="repository:library/nginx:pull"' } });
      assert.equal((init?.headers as Record<string, string>).accept, MANIFEST_ACCEPT);
      const body = init?.method === 'HEAD' ? null : manifest;
      return new Response(body, { status: 200, headers: withDigestHeader ? { 'docker-content-digest': digest } : {} });
    };
  }

  test('an anonymous token for a public image, with the scope the registry asked for; no credentials sent', async () => {
    const seen: string[] = [];
    assert.equal(await resolveDigest(parseImageRef('nginx:1.27'), undefined, { fetch: tokenRegistry(seen) }), digest);
    assert.deepEqual(seen, [
      'HEAD registry-1.docker.io/v2/library/nginx/manifests/1.27 -',
      'GET auth.example/token?service=registry.docker.io&scope=repository%3Alibrary%2Fnginx%3Apull&account=&client_id=berth -',
      'HEAD registry-1.docker.io/v2/library/nginx/manifests/1.27 Bearer anon-token',
    ]);
  });

  test('a registry without the digest header: the digest is the hash of the manifest it serves', async () => {
    const got = await resolveDigest(parseImageRef('nginx:1.27'), undefined, { fetch: tokenRegistry([], false) });
    assert.equal(got, `sha256:${createHash('sha256').update('{"schemaVersion":2}').digest('hex')}`);
  });
});

describe('docker source against the local registry', () => {
  test('the tag resolves to the digest the registry reported at push; the image is pulled and run by that digest', async () => {
    await run([docker, 'tag', 'busybox:latest', `${repo}:${tag}`]);
    localRefs.add(`${repo}:${tag}`);
    const digest = await push(`${repo}:${tag}`);
    assert.equal(await resolveDigest(parseImageRef(`${repo}:${tag}`), creds), digest);

    const job = testJob(appRow({ sourceType: 'docker', dockerImage: `${repo}:${tag}`, username: creds.username, password: creds.password, registryUrl: registry.url }));
    try {
      await run([docker, 'rmi', `${repo}:${tag}`]); // so that the pull really pulls
      const fetched = await new DockerSource({ docker, imageExists }).fetch(job.ctx);
      assert.deepEqual(fetched, { kind: 'image', image: `${repo}@${digest}` });
      localRefs.add(`${repo}@${digest}`);
      const inspected = JSON.parse(await run([docker, 'image', 'inspect', `${repo}@${digest}`]))[0];
      assert.ok(inspected.RepoDigests.includes(`${repo}@${digest}`));
      assert.equal(fs.existsSync(path.join(job.ctx.workDir, 'docker-config')), false, 'the per-job credentials are gone');
      const text = job.logText();
      assert.match(text, new RegExp(`Pulling ${repo}@${digest}`));
      assert.ok(!text.includes(creds.password) && !text.includes(basic.slice(6)));
    } finally {
      job.cleanup();
    }
  });

  test('an image the engine already has by that digest is not pulled again (the registry is still asked for the digest)', async () => {
    const digest = await resolveDigest(parseImageRef(`${repo}:${tag}`), creds);
    assert.ok(await engine.imageExists(`${repo}@${digest}`), 'pulled by the test before');
    const job = testJob(appRow({ sourceType: 'docker', dockerImage: `${repo}:${tag}`, username: creds.username, password: creds.password, registryUrl: registry.url }));
    try {
      // a docker CLI that does not exist: any pull would fail the fetch
      const fetched = await new DockerSource({ docker: '/nonexistent/docker', imageExists }).fetch(job.ctx);
      assert.deepEqual(fetched, { kind: 'image', image: `${repo}@${digest}` });
      assert.match(job.logText(), new RegExp(`${repo}@${digest} is already on this machine: no pull needed`));
      assert.doesNotMatch(job.logText(), /Pulling/);
      // a wrong password still fails: the digest is resolved with the credentials at every deploy
      const wrong = testJob(appRow({ sourceType: 'docker', dockerImage: `${repo}:${tag}`, username: creds.username, password: 'wrong', registryUrl: registry.url }));
      try {
        await assert.rejects(new DockerSource({ docker: '/nonexistent/docker', imageExists }).fetch(wrong.ctx), /unauthorized/);
      } finally {
        wrong.cleanup();
      }
    } finally {
      job.cleanup();
    }
  });

  test('moving the tag changes what the next deploy resolves (":latest" really updates)', async () => {
    const before = await resolveDigest(parseImageRef(`${repo}:${tag}`), creds);
    await run([docker, 'build', '-q', '-t', `${repo}:${tag}`, '-'], { input: `FROM busybox:latest\nLABEL berth.test.run=${runId}\n`, env: { DOCKER_BUILDKIT: '0' } });
    localRefs.add(`${repo}:${tag}`);
    const moved = await push(`${repo}:${tag}`);
    assert.notEqual(moved, before);
    assert.equal(await resolveDigest(parseImageRef(`${repo}:${tag}`), creds), moved);
  });

  test('a wrong password, no credentials, or an unknown tag fail with a clear error', async () => {
    const image = parseImageRef(`${repo}:${tag}`);
    await assert.rejects(resolveDigest(image, { ...creds, password: 'wrong' }), {
      message: `Could not resolve ${repo}:${tag} on registry ${registry.url}: unauthorized: incorrect username or password, or no pull access`,
    });
    await assert.rejects(resolveDigest(image, undefined), /it requires credentials; set the username and password of the docker source/);
    await assert.rejects(resolveDigest(parseImageRef(`${repo}:nope`), creds), /: no such image or tag$/);
    await assert.rejects(resolveDigest(parseImageRef('127.0.0.1:1/x:y'), undefined), /127\.0\.0\.1:1: not reachable/);

    const job = testJob(appRow({ sourceType: 'docker', dockerImage: `${repo}:${tag}`, username: creds.username, password: 'wrong-password', registryUrl: registry.url }));
    try {
      await assert.rejects(new DockerSource({ docker }).fetch(job.ctx), /unauthorized: incorrect username or password/);
      assert.ok(!job.logText().includes('wrong-password'));
    } finally {
      job.cleanup();
    }
  });
});
