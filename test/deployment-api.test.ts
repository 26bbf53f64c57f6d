// The deploy procedures as a client meets them, before any build matters: who may call
// what, what a request that cannot be served answers, and the shapes Dokploy clients read.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { request, startTestBerth, type TestBerth } from './helpers/berth.js';

describe('deploy procedures over the API', () => {
  let b: TestBerth;
  let applicationId: string;
  let readOnly: string;
  let deployer: string;

  const ok = async (proc: string, input: Record<string, unknown> = {}, token?: string) => {
    const r = await b.call(proc, input, token ? { token } : {});
    assert.equal(r.status, 200, `${proc}: ${r.text}`);
    return r.body;
  };

  /** Waits until nothing is queued or running any more. */
  async function idle() {
    const deadline = Date.now() + 30_000;
    while ((await ok('deployment.queueList')).length) {
      if (Date.now() > deadline) assert.fail('the queue never emptied');
      await sleep(20);
    }
  }

  before(async () => {
    b = await startTestBerth();
    const { environment } = await ok('project.create', { name: 'deploy-api' });
    applicationId = (await ok('application.create', { name: 'api', environmentId: environment.environmentId })).applicationId;
    readOnly = (await ok('user.createApiKey', { name: 'ro', role: 'read-only', metadata: { organizationId: 'berth' } })).key;
    deployer = (await ok('user.createApiKey', { name: 'dep', role: 'deployer', metadata: { organizationId: 'berth' } })).key;
  });
  after(() => b.close());

  test('deploy answers the queued deployment; a source that is not set up ends error saying what is missing', async () => {
    const d = await ok('application.deploy', { applicationId, title: 'first' }, deployer);
    assert.equal(d.status, 'running');
    assert.equal(d.title, 'first');
    assert.ok(['queued', 'cloning'].includes(d.stage), d.stage);
    await idle();
    const [row] = await ok('deployment.all', { applicationId });
    assert.equal(row.status, 'error');
    assert.match(row.errorMessage, /github provider/);
    assert.equal(typeof row.durationMs, 'number');
    assert.match(await ok('deployment.readLogs', { deploymentId: d.deploymentId }), /Deployment failed while cloning: .*github provider\n.*--- deployment finished: error ---$/);
    assert.equal((await ok('application.one', { applicationId })).applicationStatus, 'error');
    // the same rows through allByType, with their rollback
    const byType = await ok('deployment.allByType', { id: applicationId, type: 'application' });
    assert.deepEqual(byType.map((x: { deploymentId: string }) => x.deploymentId), [d.deploymentId]);
    assert.equal(byType[0].rollback, null);
    assert.deepEqual(await ok('deployment.allByType', { id: applicationId, type: 'compose' }), []);
    const [central] = (await ok('deployment.allCentralized')).filter((x: { deploymentId: string }) => x.deploymentId === d.deploymentId);
    assert.equal(central.application.applicationId, applicationId);
    assert.equal(central.application.environment.project.name, 'deploy-api');
  });

  test('a read-only token may read deployments but not deploy, cancel or remove; a deployer may', async () => {
    for (const proc of ['application.deploy', 'application.redeploy', 'application.stop', 'application.start', 'application.cancelDeployment', 'application.killBuild', 'application.cleanQueues', 'application.clearDeployments']) {
      const r = await b.call(proc, { applicationId }, { token: readOnly });
      assert.equal(r.status, 403, proc);
    }
    assert.equal((await b.call('application.reload', { applicationId, appName: 'x' }, { token: readOnly })).status, 403);
    assert.equal((await b.call('deployment.all', { applicationId }, { token: readOnly })).status, 200);
    assert.equal((await b.call('deployment.queueList', {}, { token: readOnly })).status, 200);
    assert.equal((await b.call('application.cleanQueues', { applicationId }, { token: deployer })).status, 200);
  });

  test('unknown ids are 404, nothing to cancel or kill is 400', async () => {
    assert.equal((await b.call('application.deploy', { applicationId: 'nope' })).status, 404);
    assert.equal((await b.call('deployment.all', { applicationId: 'nope' })).status, 404);
    assert.equal((await b.call('deployment.readLogs', { deploymentId: 'nope' })).status, 404);
    assert.equal((await b.call('deployment.killProcess', { deploymentId: 'nope' })).status, 404);
    const cancel = await b.call('application.cancelDeployment', { applicationId });
    assert.equal(cancel.status, 400);
    assert.equal(cancel.body.message, 'No deployment of this application is queued or running');
    assert.equal((await b.call('application.killBuild', { applicationId })).status, 400);
    const [finished] = await ok('deployment.all', { applicationId });
    const kill = await b.call('deployment.killProcess', { deploymentId: finished.deploymentId });
    assert.equal(kill.status, 400);
    assert.equal(kill.body.message, 'Deployment is not running');
  });

  test('start, stop and reload are queued jobs; reload needs a deployed version and answers true', async () => {
    const before = await ok('application.stop', { applicationId });
    assert.equal(before.applicationId, applicationId);
    assert.equal(await ok('application.reload', { applicationId, appName: 'ignored' }), true);
    assert.equal((await b.call('application.reload', { applicationId })).status, 400, 'appName is required');
    await idle();
    // reload of an application never deployed fails: its status says so
    assert.equal((await ok('application.one', { applicationId })).applicationStatus, 'error');
    assert.equal((await ok('deployment.all', { applicationId })).length, 1, 'no deployment rows for lifecycle jobs');
  });

  test('queueList shows the active and the waiting jobs in Dokploy\'s shape; a cancel during the clone ends it cancelled', async () => {
    // A git server that accepts connections and never answers: the clone hangs until cancelled.
    const silent = net.createServer(() => {}).listen(0, '127.0.0.1');
    await once(silent, 'listening');
    try {
      const { environment } = await ok('project.create', { name: 'deploy-api-queue' });
      const hanging = (await ok('application.create', { name: 'hanging', environmentId: environment.environmentId })).applicationId;
      const { port } = silent.address() as net.AddressInfo;
      await ok('application.saveGitProvider', { applicationId: hanging, customGitUrl: `http://127.0.0.1:${port}/repo.git`, customGitBranch: 'main', customGitBuildPath: '/', watchPaths: null });
      const active = await ok('application.deploy', { applicationId: hanging });
      const waiting = await ok('application.deploy', { applicationId, title: 'second', description: 'd' });
      const list = await ok('deployment.queueList');
      assert.deepEqual(list.map((j: { data: { deploymentId: string }; state: string }) => [j.data.deploymentId, j.state]), [[active.deploymentId, 'active'], [waiting.deploymentId, 'waiting']]);
      assert.equal(list[1].name, 'deployments');
      assert.deepEqual(list[1].data, { applicationId, deploymentId: waiting.deploymentId, titleLog: 'second', descriptionLog: 'd', type: 'deploy', applicationType: 'application', server: false });
      assert.equal(typeof list[1].timestamp, 'number');
      assert.equal(list[1].processedOn, null);
      assert.equal(typeof list[0].processedOn, 'number');
      assert.deepEqual(list[0].servicePath, { href: null, label: 'hanging' });

      assert.equal((await ok('deployment.all', { applicationId: hanging }))[0].stage, 'cloning');
      assert.deepEqual(await ok('application.cancelDeployment', { applicationId: hanging }), { success: true, message: `Deployment ${active.deploymentId} cancelled` });
      const [cancelled] = await ok('deployment.all', { applicationId: hanging });
      assert.equal(cancelled.status, 'cancelled');
      assert.equal((await ok('application.one', { applicationId: hanging })).applicationStatus, 'idle');
      await idle();
      await ok('application.delete', { applicationId: hanging });
    } finally {
      silent.close();
    }
  });

  test('the live log stream needs a token, like every route, and 404s an unknown deployment', async () => {
    assert.equal((await request(`${b.url}/api/deployment.stream?deploymentId=x`)).status, 401);
    assert.equal((await request(`${b.url}/api/deployment.stream?deploymentId=nope`, { headers: { 'x-api-key': b.token } })).status, 404);
    assert.equal((await request(`${b.url}/api/deployment.stream`, { headers: { 'x-api-key': b.token } })).status, 400);
    // a finished deployment: its lines, then the end event, then the stream closes
    const [done] = await ok('deployment.all', { applicationId });
    const text = (await request(`${b.url}/api/deployment.stream?deploymentId=${done.deploymentId}`, { headers: { 'x-api-key': readOnly } })).text;
    assert.match(text, /^data: .*Fetching the github source/m);
    assert.match(text, /event: end\ndata: \{"status":"error"\}\n\n$/);
  });

  test('dropDeployment takes multipart with a "zip" file; anything else is refused', async () => {
    const post = (body: BodyInit, headers: Record<string, string> = {}, token = b.token) =>
      request(`${b.url}/api/application.dropDeployment`, { method: 'POST', headers: { 'x-api-key': token, ...headers }, body });
    assert.equal((await post(JSON.stringify({ applicationId }), { 'content-type': 'application/json' })).status, 415);
    const noFile = new FormData();
    noFile.append('applicationId', applicationId);
    const r = await post(noFile);
    assert.equal(r.status, 400);
    assert.match(r.body.message, /zip/);
    const form = new FormData();
    form.append('applicationId', applicationId);
    form.append('zip', new Blob(['not an archive']), 'x.zip');
    assert.equal((await post(form, {}, readOnly)).status, 403);
    const bad = new FormData();
    bad.append('applicationId', applicationId);
    bad.append('dropBuildPath', '../up');
    bad.append('zip', new Blob(['x']), 'x.zip');
    assert.equal((await post(bad)).status, 400);
    // accepted, queued; the archive is not one: the deployment says so
    assert.equal((await post(form)).status, 200);
    await idle();
    const [row] = await ok('deployment.all', { applicationId });
    assert.equal(row.status, 'error');
    assert.match(row.errorMessage, /unsupported archive/);
    assert.equal((await ok('application.one', { applicationId })).sourceType, 'drop');
  });

  test('removeDeployment and clearDeployments delete finished rows with their logs; delete takes the rest', async () => {
    const rows = await ok('deployment.all', { applicationId });
    const removed = await ok('deployment.removeDeployment', { deploymentId: rows[0].deploymentId });
    assert.equal(removed.deploymentId, rows[0].deploymentId);
    assert.equal((await b.call('deployment.readLogs', { deploymentId: rows[0].deploymentId })).status, 404);
    assert.equal(await ok('application.clearDeployments', { applicationId }), true);
    assert.deepEqual(await ok('deployment.all', { applicationId }), []);
    const deleted = await ok('application.delete', { applicationId });
    assert.equal(deleted.applicationId, applicationId);
    assert.equal((await b.call('deployment.all', { applicationId })).status, 404);
  });
});
