// A preview's whole life on the real engine: a pull request opened (Gitea's event, as the
// published example has it, pointed at a repository of this run) → its own service serving
// the head commit and its own Traefik file; updated → redeployed at the new head; beyond
// previewLimit → a visible refusal; closed → nothing left (service, images, file, rows).
// A running preview is sampled into its own metrics series and its runtime logs are read
// from its own service, its secrets redacted.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../src/config.js';
import { createSampler } from '../src/monitoring/index.js';
import { request, startTestBerth, type TestBerth } from './helpers/berth.js';
import { deploymentClient, gitServerRepoFor, removeRunApplications, type Deployment } from './helpers/e2e.js';
import { gitTestEnv, run, runId } from './helpers/job.js';
import { readEvents } from './helpers/sse.js';
import { readTestEnv } from './helpers/test-env.js';
import { until } from './helpers/until.js';

const testEnv = readTestEnv();

const docker = testEnv.dockerCli;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-previews-'));
const SECRET = `preview-${runId}`;
const template = JSON.parse(fs.readFileSync(new URL('./fixtures/webhooks/gitea-pull-request-opened.json', import.meta.url), 'utf8'));

/** What a client on berth-network gets from http://<service>:3000/ (busybox wget cannot resolve names itself). */
async function fetchInNetwork(service: string): Promise<string> {
  const script = `ip=$(nslookup ${service} 2>/dev/null | awk '/^Name:/{a=1} a&&/^Address/{print $2; exit}'); [ -n "$ip" ] && wget -q -O - "http://$ip:3000/"`;
  return run([docker, 'run', '--rm', '--network', 'berth-network', 'busybox:latest', 'sh', '-c', script]);
}

describe('preview deployments of pull requests', () => {
  let b: TestBerth;
  let app: { id: string; appName: string; refreshToken: string };
  let repo: Awaited<ReturnType<typeof gitServerRepoFor>>;
  const work = path.join(tmp, 'work');
  const git = (...args: string[]) => run(['git', '-C', work, ...args], { env: gitTestEnv });
  const { ok } = deploymentClient(() => b);

  /** Gitea's pull_request event for PR `number` of this run's repository, head `branch` at `sha`. */
  function sendPullRequest(action: string, number: number, branch: string, sha: string) {
    const body = structuredClone(template.body);
    const forge = { ...body.repository, full_name: `git/preview-${runId}`, name: `preview-${runId}`, clone_url: repo.url };
    Object.assign(body, { action, number, repository: forge });
    Object.assign(body.pull_request, { id: 1000 + number, number, title: `Change ${number}`, state: action === 'closed' ? 'closed' : 'open' });
    body.pull_request.base = { ...body.pull_request.base, ref: 'main', label: 'main', repo: forge };
    body.pull_request.head = { ...body.pull_request.head, ref: branch, label: branch, sha, repo: forge };
    const raw = JSON.stringify(body);
    const headers = { ...template.headers, 'x-gitea-delivery': `${runId}-${action}-${number}-${sha}`, 'x-gitea-signature': createHmac('sha256', SECRET).update(raw).digest('hex') };
    return request(`${b.url}/api/deploy/${app.refreshToken}`, { method: 'POST', headers, body: raw });
  }
  async function pushBranch(branch: string, page: string, files: Record<string, string> = {}) {
    await git('checkout', '-q', '-B', branch, 'origin/main');
    for (const [name, text] of Object.entries({ ...files, 'index.html': `${page}\n` })) fs.writeFileSync(path.join(work, name), text);
    await git('commit', '-q', '-am', page);
    await git('push', '-q', '-f', 'origin', `${branch}:${branch}`);
    return (await git('rev-parse', 'HEAD')).trim();
  }
  const previews = async () => (await ok('previewDeployment.all', { applicationId: app.id })) as any[];
  /** Polls the preview's deployment until it ends; its log tail goes with a failure. */
  async function settledPreview(previewDeploymentId: string, deploymentId: string): Promise<Deployment> {
    for (const deadline = Date.now() + 120_000; Date.now() < deadline; await sleep(100)) {
      const d: Deployment = (await ok('previewDeployment.one', { previewDeploymentId })).deployments.find((x: Deployment) => x.deploymentId === deploymentId);
      if (d.status !== 'running') return { ...d, errorMessage: d.errorMessage && `${d.errorMessage}\n${await ok('deployment.readLogs', { deploymentId, tail: 30 })}` };
    }
    assert.fail(`preview deployment ${deploymentId} still running`);
  }
  const services = async () => (await run([docker, 'service', 'ls', '--format', '{{.Name}}'])).split('\n');

  before(async () => {
    b = await startTestBerth({ BERTH_DOCKER_CLI: docker });
    const { environment } = await ok('project.create', { name: `previews-${runId}` });
    const row = await ok('application.create', { name: `previewed-${runId}`, environmentId: environment.environmentId });
    repo = await gitServerRepoFor(ok, row.applicationId, `preview-${runId}`);
    await ok('application.update', {
      applicationId: row.applicationId,
      webhookSecret: SECRET,
      isPreviewDeploymentsActive: true,
      previewWildcard: '*.preview.berth.test',
      previewPort: 3000,
      previewLimit: 1,
      previewEnv: `PREVIEW_OF=${runId}`,
    });
    const { refreshToken } = await ok('application.one', { applicationId: row.applicationId });
    app = { id: row.applicationId, appName: row.appName, refreshToken };
    await run(['git', 'clone', '-q', repo.authed, work], { env: gitTestEnv });
  });

  after(async () => {
    try {
      await removeRunApplications(ok, [app.appName]);
    } finally {
      await b.close();
      fs.rmSync(repo.bare, { recursive: true, force: true });
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  let preview: { previewDeploymentId: string; appName: string };

  test('opened: its own service serves the head commit, with its own domain and Traefik file', async () => {
    const sha = await pushBranch('feature-a', `preview-${runId}-a1`);
    const r = await sendPullRequest('opened', 1, 'feature-a', sha);
    assert.equal(r.status, 200, r.text);
    assert.ok(r.body.applications[0].deploymentId, r.text);
    const [p] = await previews();
    preview = p;
    assert.match(p.appName, new RegExp(`^preview-${app.appName}-[a-z0-9]{6}$`));
    assert.equal(p.pullRequestNumber, '1');
    assert.equal(p.branch, 'feature-a');
    const done = await settledPreview(p.previewDeploymentId, r.body.applications[0].deploymentId);
    assert.equal(done.status, 'done', done.errorMessage ?? '');
    assert.equal(done.commitHash, sha);
    assert.equal((await ok('previewDeployment.one', { previewDeploymentId: p.previewDeploymentId })).previewStatus, 'done');
    assert.ok((await services()).includes(p.appName));
    assert.equal(await fetchInNetwork(p.appName), `preview-${runId}-a1\n`);
    assert.equal(p.domain.host, `${p.appName}.preview.berth.test`);
    const file = fs.readFileSync(path.join(b.dataDir, 'traefik', 'dynamic', `${p.appName}.yml`), 'utf8');
    assert.match(file, new RegExp(`Host\\(\`${p.appName}.preview.berth.test\`\\)`));
    assert.match(file, new RegExp(`http://${p.appName}:3000`));
    assert.deepEqual(await ok('deployment.all', { applicationId: app.id }), [], "the application's own deployments are not the preview's");
  });

  test('updated: redeployed at the new head', async () => {
    const sha = await pushBranch('feature-a', `preview-${runId}-a2`);
    const r = await sendPullRequest('synchronized', 1, 'feature-a', sha);
    assert.equal(r.status, 200, r.text);
    const d = await settledPreview(preview.previewDeploymentId, r.body.applications[0].deploymentId);
    assert.equal(d.status, 'done', d.errorMessage ?? '');
    assert.equal(d.commitHash, sha);
    assert.equal(await fetchInNetwork(preview.appName), `preview-${runId}-a2\n`);
  });

  test("running: sampled into its own metrics series, its logs read from its own service with the preview's secrets redacted", async () => {
    // what the container prints at start: a build arg baked into the image (in no task env:
    // only the preview's build args redact it) and a previewEnv secret
    const mark = `pvlog${Math.random().toString(36).slice(2, 8)}`;
    const [token, arg] = [`pv-token-${mark}`, `pv-arg-${mark}`];
    const dockerfile = [
      'FROM busybox:latest',
      'ARG PREVIEW_ARG',
      'RUN echo "$PREVIEW_ARG" > /arg',
      'COPY index.html /www/index.html',
      'EXPOSE 3000',
      `CMD ["sh", "-c", "echo \\"${mark} arg=$(cat /arg) token=$PREVIEW_TOKEN\\"; exec httpd -f -p 3000 -h /www"]`,
    ].join('\n');
    await ok('application.update', { applicationId: app.id, previewEnv: `PREVIEW_OF=${runId}\nPREVIEW_TOKEN=${token}`, previewBuildArgs: `PREVIEW_ARG=${arg}` });
    const sha = await pushBranch('feature-a', `preview-${runId}-a3`, { Dockerfile: `${dockerfile}\n` });
    const r = await sendPullRequest('synchronized', 1, 'feature-a', sha);
    assert.equal(r.status, 200, r.text);
    const d = await settledPreview(preview.previewDeploymentId, r.body.applications[0].deploymentId);
    assert.equal(d.status, 'done', d.errorMessage ?? '');

    // metrics: one sampler tick (as the server's own, which runs every 10 s) sees the preview's container
    const sampler = createSampler(loadConfig({ BERTH_DATA_DIR: b.dataDir, BERTH_DOCKER_CLI: docker, BERTH_NODE_CERT_PATH: testEnv.cluster.engineCertPath }), b.store, (m, e) => assert.fail(`${m}: ${e}`));
    await sampler.tick();
    await sampler.stop();
    const m = await b.call('application.readAppMonitoring', { appName: preview.appName });
    assert.equal(m.status, 200, m.text);
    assert.ok(m.body.restarts.at(-1).value.tasks >= 1, m.text); // the replaced task may still be stopping
    assert.ok(m.body.memory.at(-1).value.usedBytes > 0);
    assert.equal((await b.call('application.readAppMonitoring', { appName: app.appName })).body, null, "the application's own series has none of the preview's samples");
    const scrape = await request(`${b.url}/metrics`, { headers: { authorization: `Bearer ${b.token}` } });
    assert.match(scrape.text, new RegExp(`^berth_app_tasks\\{app="${preview.appName}"\\} [12]$`, 'm'));

    // logs: readLogs and the live stream, of the preview's service
    const input = { applicationId: app.id, previewDeploymentId: preview.previewDeploymentId };
    const logs = await until('the preview container\'s line', () => ok('application.readLogs', { ...input, search: mark }), (t: string) => t.includes(mark));
    assert.match(logs, new RegExp(`^\\S+ ${mark} arg=\\*{8} token=\\*{8}$`, 'm'));
    assert.ok(!logs.includes(token) && !logs.includes(arg), logs);
    assert.equal(await ok('application.readLogs', { applicationId: app.id, previewDeploymentId: '' }), '', '"": the application\'s own logs (it has no service)');
    const controller = new AbortController();
    const res = await fetch(`${b.url}/api/application.logStream?applicationId=${app.id}&previewDeploymentId=${preview.previewDeploymentId}&tail=20`, { headers: { 'x-api-key': b.token }, signal: controller.signal });
    assert.equal(res.status, 200);
    const events = readEvents(res);
    try {
      await until('the preview container\'s line in the stream', () => events.text, (t) => t.includes(mark));
      assert.match(events.text, new RegExp(`^data: \\S+ ${mark} arg=\\*{8} token=\\*{8}$`, 'm'));
      assert.ok(!events.text.includes(token) && !events.text.includes(arg));
    } finally {
      controller.abort();
    }
  });

  test("another application's preview (or one that does not exist) is a 404, and no logs are read", async () => {
    const { environment } = await ok('project.create', { name: `previews-other-${runId}` });
    const other = await ok('application.create', { name: `other-${runId}`, environmentId: environment.environmentId });
    for (const [applicationId, previewDeploymentId] of [[other.applicationId, preview.previewDeploymentId], [app.id, 'no-such-preview']]) {
      const r = await b.call('application.readLogs', { applicationId, previewDeploymentId });
      assert.equal(r.status, 404, r.text);
      assert.equal(r.body.code, 'NOT_FOUND');
      assert.match(r.body.message, new RegExp(previewDeploymentId));
      const stream = await request(`${b.url}/api/application.logStream?applicationId=${applicationId}&previewDeploymentId=${previewDeploymentId}`, { headers: { 'x-api-key': b.token } });
      assert.equal(stream.status, 404);
      assert.equal(stream.body.code, 'NOT_FOUND');
    }
  });

  test('beyond previewLimit: no preview, and the reason is visible', async () => {
    const sha = await pushBranch('feature-b', `preview-${runId}-b1`);
    const r = await sendPullRequest('opened', 2, 'feature-b', sha);
    assert.equal(r.status, 200);
    assert.match(r.body.message, /previewLimit is 1/);
    const refused = (await previews()).find((p) => p.pullRequestNumber === '2');
    assert.match(refused.statusMessage, /previewLimit is 1/);
    assert.equal(refused.domain, null);
    assert.deepEqual(refused.deployments, []);
    assert.ok(!(await services()).includes(refused.appName));
  });

  test('closed: nothing of the preview is left', async () => {
    const images = async () => (await run([docker, 'images', '--format', '{{.Repository}}'])).split('\n');
    assert.ok((await images()).includes(preview.appName));
    assert.equal((await sendPullRequest('closed', 1, 'feature-a', '0'.repeat(40))).status, 200);
    assert.equal((await sendPullRequest('closed', 2, 'feature-b', '0'.repeat(40))).status, 200);
    for (let i = 0; i < 300 && (await previews()).length; i++) await sleep(100);
    assert.deepEqual(await previews(), []);
    assert.ok(!(await services()).includes(preview.appName));
    assert.ok(!(await images()).includes(preview.appName));
    assert.equal(fs.existsSync(path.join(b.dataDir, 'traefik', 'dynamic', `${preview.appName}.yml`)), false);
    assert.equal(fs.existsSync(path.join(b.dataDir, 'logs', preview.appName)), false);
  });

  test('with BERTH_PREVIEW_EXPIRY_HOURS, a preview idle longer than that is removed', async () => {
    await b.restart({ BERTH_PREVIEW_EXPIRY_HOURS: '0.001' }); // 3.6 s
    const sha = await pushBranch('feature-c', `preview-${runId}-c1`);
    const r = await sendPullRequest('opened', 3, 'feature-c', sha);
    const [p] = await previews();
    assert.ok(p.expiresAt, 'the preview has an expiry');
    assert.equal((await settledPreview(p.previewDeploymentId, r.body.applications[0].deploymentId)).status, 'done');
    for (let i = 0; i < 300 && (await previews()).length; i++) await sleep(100);
    assert.deepEqual(await previews(), []);
    assert.ok(!(await services()).includes(p.appName));
  });

  test('deleting the application removes its previews with it', async () => {
    await b.restart({ BERTH_PREVIEW_EXPIRY_HOURS: '0' });
    const sha = await pushBranch('feature-d', `preview-${runId}-d1`);
    const r = await sendPullRequest('opened', 4, 'feature-d', sha);
    const [p] = await previews();
    assert.equal((await settledPreview(p.previewDeploymentId, r.body.applications[0].deploymentId)).status, 'done');
    assert.ok((await services()).includes(p.appName));
    await ok('application.delete', { applicationId: app.id });
    assert.ok(!(await services()).includes(p.appName));
    assert.equal(fs.existsSync(path.join(b.dataDir, 'traefik', 'dynamic', `${p.appName}.yml`)), false);
    assert.equal((await b.call('previewDeployment.one', { previewDeploymentId: p.previewDeploymentId })).status, 404);
  });
});
