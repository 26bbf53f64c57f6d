// Berth's own registry calls (the docker source's tag resolution, registry logins) trust a
// registry's private CA given in BERTH_REGISTRY_CA_FILE; without it they fail saying the
// certificate is not trusted. Real registry: the test registry on the lab address over TLS
// (its certificate from the test CA in env.json `registry.labCa`), the same storage as on loopback.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { resolveDigest } from '../src/deploy/sources/docker.js';
import { parseImageRef } from '../src/deploy/sources/image-ref.js';
import { registryFetch } from '../src/docker/registry-fetch.js';
import { startTestBerth, type TestBerth } from './helpers/berth.js';
import { deploymentClient, execInService, pushTestImage, removeRunApplications } from './helpers/e2e.js';
import { run, runId } from './helpers/job.js';
import { labUp, readTestEnv } from './helpers/test-env.js';

const testEnv = readTestEnv();
const { registry } = testEnv;
const docker = testEnv.dockerCli;
const repo = `berth-test/registry-tls-${runId}`;
const tag = 'v1';
/** The same image, named by the registry's TLS address. */
const labImage = `${registry.labUrl}/${repo}:${tag}`;
const creds = { username: registry.username, password: registry.password };
const untrusted = /its TLS certificate is not trusted \(.*\): give Berth the registry's CA certificate in BERTH_REGISTRY_CA_FILE/;

describe("a registry with a private CA (BERTH_REGISTRY_CA_FILE)", () => {
  let b: TestBerth;
  let environmentId: string;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-registry-tls-'));
  const { ok, settled, logOf } = deploymentClient(() => b);
  const appNames: string[] = [];

  before(async () => {
    assert.ok(labUp(testEnv) && registry.labUrl, 'the lab registry is not up: run scripts/test-env.sh as root');
    await pushTestImage(tmp, repo, tag, 'served over tls');
    b = await startTestBerth({ BERTH_DOCKER_CLI: docker, BERTH_REGISTRY_CA_FILE: registry.labCa });
    environmentId = (await ok('project.create', { name: `registry-tls-${runId}` })).environment.environmentId;
  });

  after(async () => {
    await removeRunApplications(ok, appNames);
    await b.close();
    // the registry keeps the manifest until deleted (storage delete is enabled on the test registry)
    const digest = await resolveDigest(parseImageRef(`${registry.url}/${repo}:${tag}`), creds).catch(() => undefined);
    if (digest)
      await fetch(`http://${registry.url}/v2/${repo}/manifests/${digest}`, {
        method: 'DELETE',
        headers: { authorization: `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}` },
      });
    await run([docker, 'rmi', '-f', labImage]).catch(() => '');
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('a docker-source application by tag from the TLS registry resolves its tag and deploys', async () => {
    const app = await ok('application.create', { name: `tls-${runId}`, environmentId });
    appNames.push(app.appName);
    await ok('application.saveDockerProvider', { applicationId: app.applicationId, dockerImage: labImage, ...creds, registryUrl: registry.labUrl });
    const d = await settled(app.applicationId, (await ok('application.deploy', { applicationId: app.applicationId })).deploymentId, 120_000);
    assert.equal(d.status, 'done', d.errorMessage ?? '');
    const digest = await resolveDigest(parseImageRef(`${registry.url}/${repo}:${tag}`), creds);
    assert.equal(d.image, `${registry.labUrl}/${repo}@${digest}`, 'the tag did not resolve to the digest the registry serves');
    assert.match(await logOf(d.deploymentId), new RegExp(`Resolving ${registry.labUrl.replace(/\./g, '\\.')}/${repo}:${tag}`));
    assert.equal((await execInService(app.appName, ['wget', '-q', '-O-', 'http://127.0.0.1:3000/'])).trim(), 'served over tls');
  });

  test('registry logins (registry.testRegistry) go through the CA too', async () => {
    assert.equal((await b.call('registry.testRegistry', { registryName: 'lab', registryUrl: registry.labUrl, ...creds, registryType: 'cloud' })).status, 200);
  });

  test('without the CA, the deploy and the login fail saying the certificate is not trusted', async () => {
    await b.restart({ BERTH_REGISTRY_CA_FILE: '' });
    try {
      const app = await ok('application.create', { name: `untrusted-${runId}`, environmentId });
      appNames.push(app.appName);
      await ok('application.saveDockerProvider', { applicationId: app.applicationId, dockerImage: labImage, ...creds, registryUrl: registry.labUrl });
      const d = await settled(app.applicationId, (await ok('application.deploy', { applicationId: app.applicationId })).deploymentId);
      assert.equal(d.status, 'error');
      assert.match(d.errorMessage!.split('\n')[0], new RegExp(`^Could not resolve ${labImage.replace(/\./g, '\\.')} on registry ${registry.labUrl.replace(/\./g, '\\.')}: not reachable \\(`));
      assert.match(d.errorMessage!.split('\n')[0], untrusted);
      const login = await b.call('registry.testRegistry', { registryName: 'lab', registryUrl: registry.labUrl, ...creds, registryType: 'cloud' });
      assert.equal(login.status, 400);
      assert.match(login.body.message, untrusted);
    } finally {
      await b.restart();
    }
  });

  test('a CA file that cannot be read, or holds no certificate, stops Berth at start', async () => {
    const notPem = path.join(tmp, 'not-a-cert.txt');
    fs.writeFileSync(notPem, 'hello\n');
    await assert.rejects(b.restart({ BERTH_REGISTRY_CA_FILE: path.join(tmp, 'missing.crt') }), /BERTH_REGISTRY_CA_FILE: cannot read .*missing\.crt/);
    await assert.rejects(b.restart({ BERTH_REGISTRY_CA_FILE: notPem }), /BERTH_REGISTRY_CA_FILE: .*not-a-cert\.txt holds no PEM certificate/);
    await b.restart();
  });

  test('a CA that did not sign the registry\'s certificate does not make it trusted', async () => {
    // any other CA: a public root from the system's bundle
    const otherCa = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n/.exec(fs.readFileSync('/etc/ssl/certs/ca-certificates.crt', 'utf8'))![0];
    await assert.rejects(resolveDigest(parseImageRef(labImage), creds, { fetch: registryFetch(otherCa) }), untrusted);
    const trusting = registryFetch(fs.readFileSync(registry.labCa, 'utf8'));
    const digest = await resolveDigest(parseImageRef(labImage), creds, { fetch: trusting });
    assert.match(digest, /^sha256:[a-f0-9]{64}$/);
    // the same client on the loopback registry: https refused, then plain http, its 401 answered
    assert.equal(await resolveDigest(parseImageRef(`${registry.url}/${repo}:${tag}`), creds, { fetch: trusting }), digest);
  });
});
