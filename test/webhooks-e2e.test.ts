// Push to deploy end to end: `git push` to the test git server, whose post-receive hook
// posts a signed Gitea-format push event to Berth (scripts/test-env/git-webhook.mjs), and
// Berth deploys exactly the pushed commit on the real engine.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestBerth, type TestBerth } from './helpers/berth.js';
import { answer, deploymentClient, freePort, gitServerRepoFor, removeRunApplications, type Deployment } from './helpers/e2e.js';
import { gitTestEnv, run, runId } from './helpers/job.js';
import { readTestEnv } from './helpers/test-env.js';

const testEnv = readTestEnv();

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-webhooks-'));
const SECRET = `whsec-${runId}`;

describe('git push deploys the pushed commit', () => {
  let b: TestBerth;
  let app: { id: string; appName: string; port: number; refreshToken: string };
  let repo: Awaited<ReturnType<typeof gitServerRepoFor>>;
  const work = path.join(tmp, 'work');
  const git = (...args: string[]) => run(['git', '-C', work, ...args], { env: gitTestEnv });
  const { ok, settled } = deploymentClient(() => b);

  /** Commits `text` as the page and pushes; resolves with the pushed SHA once the hook has delivered. */
  async function pushPage(text: string, message: string, branch = 'main') {
    fs.writeFileSync(path.join(work, 'index.html'), `${text}\n`);
    await git('commit', '-q', '-am', message);
    await git('push', '-q', 'origin', `HEAD:${branch}`);
    return (await git('rev-parse', 'HEAD')).trim();
  }
  const deployments = async (): Promise<Deployment[]> => ok('deployment.all', { applicationId: app.id });

  before(async () => {
    b = await startTestBerth({ BERTH_DOCKER_CLI: testEnv.dockerCli });
    const { environment } = await ok('project.create', { name: `hooks-${runId}` });
    const row = await ok('application.create', { name: `pushed-${runId}`, environmentId: environment.environmentId });
    const port = await freePort();
    await ok('port.create', { applicationId: row.applicationId, publishedPort: port, targetPort: 3000, publishMode: 'host' });
    repo = await gitServerRepoFor(ok, row.applicationId, `webhook-${runId}`);
    await ok('application.update', { applicationId: row.applicationId, webhookSecret: SECRET });
    const { refreshToken } = await ok('application.one', { applicationId: row.applicationId });
    app = { id: row.applicationId, appName: row.appName, port, refreshToken };
    // What a user pastes into the forge's webhook settings: Berth's URL and the secret.
    fs.writeFileSync(path.join(repo.bare, 'berth-webhooks.json'), JSON.stringify([{ url: `${b.url}/api/deploy/${refreshToken}`, secret: SECRET }]), { mode: 0o644 });
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

  test('a push to the branch ends done at that SHA, titled with its message, and the new page is served', async () => {
    const sha = await pushPage(`pushed-${runId}-v2`, 'Second page');
    const [queued] = await deployments();
    assert.ok(queued, 'the push queued no deployment');
    assert.equal(queued.commitHash, sha);
    const d = await settled(app.id, queued.deploymentId);
    assert.equal(d.status, 'done', d.errorMessage ?? '');
    assert.equal(d.commitHash, sha);
    assert.equal(d.title, 'Second page');
    assert.equal(await answer(app.port), `pushed-${runId}-v2\n`);
  });

  test('pushes that are filtered deploy nothing: another branch, a [skip ci] commit', async () => {
    const before = (await deployments()).length;
    await pushPage(`pushed-${runId}-feature`, 'Feature work', 'feature');
    await pushPage(`pushed-${runId}-skipped`, 'Typo [skip ci]');
    await sleep(300);
    assert.equal((await deployments()).length, before);
  });

  test('two quick pushes: the later commit is what ends up served', async () => {
    await pushPage(`pushed-${runId}-v3`, 'Third page');
    const last = await pushPage(`pushed-${runId}-v4`, 'Fourth page');
    const [newest] = await deployments();
    assert.equal(newest.commitHash, last);
    const d = await settled(app.id, newest.deploymentId);
    assert.equal(d.status, 'done', d.errorMessage ?? '');
    assert.equal(await answer(app.port), `pushed-${runId}-v4\n`);
  });
});
