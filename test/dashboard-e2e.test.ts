// Issue 13's whole lifecycle in the browser, every step through the dashboard's controls:
// sign in, create a project and an application, set a Docker image and a published port,
// deploy and watch the live log reach `done`, open the published port, change an env var and
// redeploy, roll back, read the metrics chart, and delete; a read-only token sees no deploy
// button. Real chromium, a real Berth, the real engine and test registry; each step is read
// back over the API, the engine or the published port.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Page } from 'playwright-core';
import { startTestBerth, type TestBerth } from './helpers/berth.js';
import { builtDashboard, launchBrowser, signIn, type TestBrowser } from './helpers/browser.js';
import { answer, deploymentClient, freePort, pushTestImage, removeRunApplications } from './helpers/e2e.js';
import { run, runId } from './helpers/job.js';
import { readTestEnv } from './helpers/test-env.js';

const testEnv = readTestEnv();
const docker = testEnv.dockerCli;
const { registry } = testEnv;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-dash-e2e-'));
const repo = `berth-dash-e2e/${runId}`;
const served = `lifecycle-${runId}`;

let b: TestBerth;
let browser: TestBrowser;
let image: string;
const appNames: string[] = [];
const { ok } = deploymentClient(() => b);

before(async () => {
  const [webDir, ref] = await Promise.all([builtDashboard(), pushTestImage(tmp, repo, 'v1', served)]);
  image = ref;
  b = await startTestBerth({ BERTH_WEB_DIR: webDir, BERTH_DOCKER_CLI: docker, BERTH_METRICS_INTERVAL_MS: '1000' });
  browser = await launchBrowser();
});
after(async () => {
  try {
    await browser?.close();
    await removeRunApplications(ok, appNames);
  } finally {
    await b?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

const tab = async (page: Page, name: string) => {
  await page.getByRole('navigation', { name: 'Application' }).getByRole('link', { name, exact: true }).click();
  await page.locator('[aria-current="page"]', { hasText: name }).waitFor();
};
const saveForm = async (page: Page, name: string) => {
  const form = page.getByRole('form', { name, exact: true });
  await form.getByRole('button', { name: 'Save', exact: true }).click();
  await form.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
};
/** The selected deployment's log, once its stream ended with `status`. */
async function logEnded(page: Page, status: string) {
  try {
    await page.getByRole('heading', { name: /^Log of/ }).getByText(`ended ${status}`).waitFor({ timeout: 120_000 });
  } catch (err) {
    const deploymentId = new URL(page.url()).searchParams.get('deployment');
    const log = deploymentId ? await ok('deployment.readLogs', { deploymentId, tail: 40 }) : '(no deployment selected)';
    assert.fail(`the log did not end ${status}: ${(err as Error).message}\n${log}`);
  }
  return (await page.getByRole('log').textContent()) ?? '';
}
const serviceEnv = async (appName: string) => (await run([docker, 'service', 'inspect', appName, '--format', '{{json .Spec.TaskTemplate.ContainerSpec.Env}}'])).trim();

test('sign in → project → application → image and port → deploy (live log to done) → served → env change and redeploy → roll back → metrics → delete; read-only sees no deploy button', async () => {
  const { page, problems } = await browser.page();
  await signIn(page, b.url, b.token);

  // a project and an application, from the overview and the project page
  const projectName = `life-${runId}`;
  await page.getByLabel('New project name').fill(projectName);
  await page.getByRole('button', { name: 'Create project' }).click();
  await page.getByRole('heading', { name: projectName, level: 1 }).waitFor();
  const appName = `web-${runId}`;
  await page.getByLabel('New application name').fill(appName);
  await page.getByRole('button', { name: 'Create application' }).click();
  await page.getByRole('link', { name: appName }).click();
  await page.getByRole('heading', { name: appName, level: 1 }).waitFor();
  const applicationId = new URL(page.url()).pathname.split('/')[2];
  const created = await ok('application.one', { applicationId });
  appNames.push(created.appName);

  // the image from the test registry, and a published port
  const source = page.getByRole('form', { name: 'Source', exact: true });
  await source.getByLabel('Source type').selectOption('docker');
  await source.getByLabel('Image', { exact: true }).fill(image);
  await source.getByLabel('Registry URL').fill(registry.url);
  await source.getByLabel('Registry username').fill(registry.username);
  await source.getByLabel('Registry password').fill(registry.password);
  await saveForm(page, 'Source');
  await tab(page, 'Advanced');
  const port = await freePort();
  await page.getByRole('button', { name: 'Add port' }).click();
  const portForm = page.getByRole('form', { name: 'New port', exact: true });
  await portForm.getByLabel('Published port').fill(String(port));
  await portForm.getByLabel('Container port').fill('3000');
  await portForm.getByLabel('Publish mode').selectOption('host');
  await portForm.getByRole('button', { name: 'Add port' }).click();
  await page.getByText(`${port} → 3000`).waitFor();
  const configured = await ok('application.one', { applicationId });
  assert.equal(configured.dockerImage, image);
  assert.deepEqual(configured.ports.map((p: any) => [p.publishedPort, p.targetPort, p.publishMode]), [[port, 3000, 'host']]);

  // a read-only token sees the application, but no deploy button (nor any other action)
  const { key } = await ok('user.createApiKey', { name: `ro-${runId}`, role: 'read-only', metadata: { organizationId: 'berth' } });
  const viewer = await browser.page();
  await signIn(viewer.page, b.url, key);
  await viewer.page.goto(`${b.url}/application/${applicationId}`);
  await viewer.page.getByRole('heading', { name: appName, level: 1 }).waitFor();
  assert.equal(await viewer.page.getByRole('button', { name: 'Deploy', exact: true }).count(), 0);
  assert.equal(await viewer.page.getByRole('button', { name: 'Delete' }).count(), 0);
  await viewer.context.close();

  // deploy: the page follows the live log to done, and the port serves the image
  await page.getByRole('button', { name: 'Deploy', exact: true }).click();
  await page.waitForURL(/deployments\?deployment=/);
  assert.match(await logEnded(page, 'done'), /Deployment done/);
  assert.equal(await answer(port), `${served}\n`);
  const first = new URL(page.url()).searchParams.get('deployment');
  // the header's badges followed the deployment (live events)
  await page.locator('.app-head').getByText('done', { exact: true }).waitFor();

  // an env var, then a redeploy: the new task runs with it
  await tab(page, 'Environment');
  await page.getByRole('form', { name: 'Environment', exact: true }).getByLabel('Environment variables').fill(`GREETING=hello-${runId}`);
  await saveForm(page, 'Environment');
  await page.getByRole('button', { name: 'Redeploy' }).click();
  await page.waitForURL((u) => !!u.searchParams.get('deployment') && u.searchParams.get('deployment') !== first);
  await logEnded(page, 'done');
  assert.match(await serviceEnv(created.appName), new RegExp(`GREETING=hello-${runId}`));
  assert.equal(await answer(port), `${served}\n`);

  // roll back to the first release: its configuration (without the env var) runs again
  await page.getByRole('button', { name: 'Roll back to this release' }).first().click();
  await page.getByRole('dialog').getByRole('button', { name: 'Roll back', exact: true }).click();
  await page.waitForURL((u) => ![first, null].includes(u.searchParams.get('deployment')) && !!u.searchParams.get('deployment'));
  await logEnded(page, 'done');
  const rolledBack = await ok('application.one', { applicationId });
  assert.equal(rolledBack.release.type, 'rollback');
  assert.doesNotMatch(await serviceEnv(created.appName), /GREETING=/);
  assert.equal(await answer(port), `${served}\n`);

  // the metrics chart, drawn from the samples
  await until('two metric samples', async () => ((await ok('application.readAppMonitoring', { appName: created.appName })) ?? { cpu: [] }).cpu.length >= 2);
  await tab(page, 'Metrics');
  await page.getByRole('img', { name: /^Memory: used latest \d/ }).waitFor();
  await page.locator('.chart-plot .uplot canvas').nth(2).waitFor(); // uPlot's chunk loads with the tab
  assert.equal(await page.locator('.chart-plot .uplot canvas').count(), 3);

  // delete, confirmed: the application and its service are gone
  await page.getByRole('button', { name: 'Delete' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete', exact: true }).click();
  await page.waitForURL(new RegExp(`/project/${created.environment.project.projectId}`));
  assert.equal((await b.call('application.one', { applicationId })).status, 404);
  await until('the service removed', async () => !(await run([docker, 'service', 'ls', '--format', '{{.Name}}'])).split('\n').includes(created.appName));
  assert.deepEqual(problems, []);
});

test('an uploaded archive from the General tab is stored and deployed, and the page follows its deployment', async () => {
  const { page, problems } = await browser.page();
  await signIn(page, b.url, b.token);
  const project = await ok('project.create', { name: `upload-${runId}` });
  const created = await ok('application.create', { name: `upload-${runId}`, environmentId: project.environment.environmentId });
  appNames.push(created.appName);
  await ok('application.update', { applicationId: created.applicationId, sourceType: 'drop' });
  await ok('application.saveBuildType', { applicationId: created.applicationId, buildType: 'dockerfile', dockerfile: 'Dockerfile', dockerContextPath: null, dockerBuildStage: null, herokuVersion: null, railpackVersion: null });
  const port = await freePort();
  await ok('port.create', { applicationId: created.applicationId, publishedPort: port, targetPort: 3000, publishMode: 'host' });
  const site = fs.mkdtempSync(path.join(tmp, 'site-'));
  fs.writeFileSync(path.join(site, 'Dockerfile'), 'FROM busybox:latest\nCOPY index.html /www/index.html\nCMD ["httpd", "-f", "-p", "3000", "-h", "/www"]\n');
  fs.writeFileSync(path.join(site, 'index.html'), `uploaded-${runId}\n`);
  const archive = path.join(tmp, 'site.tar.gz');
  await run(['tar', '-czf', archive, '-C', site, '--', 'Dockerfile', 'index.html']);

  await page.goto(`${b.url}/application/${created.applicationId}/general`);
  const form = page.getByRole('form', { name: 'Upload an archive' });
  // nothing chosen: the server's own refusal, beside the form, and nothing queued
  await form.getByRole('button', { name: 'Upload and deploy' }).click();
  await form.getByRole('alert').filter({ hasText: 'zip' }).waitFor();
  assert.deepEqual(await ok('deployment.all', { applicationId: created.applicationId }), []);

  await form.getByLabel('Archive', { exact: true }).setInputFiles(archive);
  await form.getByRole('button', { name: 'Upload and deploy' }).click();
  await page.waitForURL(/\/deployments\?deployment=/);
  const [row] = await ok('deployment.all', { applicationId: created.applicationId });
  assert.equal(new URL(page.url()).searchParams.get('deployment'), row.deploymentId, 'the page follows the deployment the upload queued');
  assert.match(await logEnded(page, 'done'), /Deployment done/);
  assert.equal(await answer(port), `uploaded-${runId}\n`);
  // the refused first attempt is the only console error
  assert.deepEqual(problems.filter((p) => !/status of 400/.test(p)), []);
});
