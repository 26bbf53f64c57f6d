// A preview's whole life on the real engine: a pull request opened (Gitea's event, as the
// published example has it, pointed at a repository of this run) → its own service serving
// the head commit and its own Traefik file; updated → redeployed at the new head; beyond
// previewLimit → a visible refusal; closed → nothing left (service, images, file, rows).
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { request, startTestBerth, type TestBerth } from './helpers/berth.js';
import { deploymentClient, gitServerRepoFor, removeRunApplications, type Deployment } from './helpers/e2e.js';
import { gitTestEnv, run, runId } from './helpers/job.js';
import { readTestEnv } from './helpers/test-env.js';

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
  async function pushBranch(branch: string, page: string) {
    await git('checkout', '-q', '-B', branch, 'origin/main');
    fs.writeFileSync(path.join(work, 'index.html'), `${page}\n`);
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
