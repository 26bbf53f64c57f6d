// The overview and project pages in a real browser against a real Berth: projects,
// environments and applications created, renamed and deleted through the UI and read back over
// the API; live status badges from GET /api/events; what a read-only token sees; 360 px.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { startTestBerth, type TestBerth } from './helpers/berth.js';
import { builtDashboard, launchBrowser, screenshot, type TestBrowser, signIn as signInAs } from './helpers/browser.js';
import { runId } from './helpers/job.js';

let berth: TestBerth;
let browser: TestBrowser;

before(async () => {
  berth = await startTestBerth({ BERTH_WEB_DIR: await builtDashboard() });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await berth?.close();
});

async function ok(proc: string, input: Record<string, unknown> = {}) {
  const r = await berth.call(proc, input);
  assert.equal(r.status, 200, `${proc}: ${r.text}`);
  return r.body;
}

const signIn = (page: Page, token = berth.token) => signInAs(page, berth.url, token);

const noHorizontalScroll = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth);

const projectNamed = async (name: string) => ((await ok('project.all')) as { name: string; projectId: string; environments: any[] }[]).find((p) => p.name === name);

test('a project, an environment and applications are created, renamed, searched and deleted through the UI; a project that holds applications is refused with the server\'s message', async () => {
  const { page, problems } = await browser.page();
  await signIn(page);
  const projectName = `ui-proj-${runId}`;
  await page.getByLabel('New project name').fill(projectName);
  await page.getByRole('button', { name: 'Create project' }).click();
  await page.getByRole('heading', { name: projectName, level: 1 }).waitFor();
  const created = await projectNamed(projectName);
  assert.ok(created, 'the project exists on the server');
  assert.deepEqual(created.environments.map((e) => e.name), ['production']);
  assert.equal(new URL(page.url()).pathname, `/project/${created.projectId}`);

  // an environment, renamed
  await page.getByLabel('New environment name').fill('staging');
  await page.getByRole('button', { name: 'Create environment' }).click();
  await page.getByRole('heading', { name: 'Applications in staging' }).waitFor();
  await page.getByRole('button', { name: 'Rename environment' }).click();
  await page.getByLabel('Environment name', { exact: true }).fill('qa');
  await page.getByRole('button', { name: 'Save name' }).click();
  await page.getByRole('heading', { name: 'Applications in qa' }).waitFor();
  const envs: { environmentId: string; name: string }[] = await ok('environment.byProjectId', { projectId: created.projectId });
  assert.deepEqual(envs.map((e) => e.name), ['production', 'qa']);
  const qa = envs[1];
  assert.equal(new URL(page.url()).searchParams.get('environment'), qa.environmentId);

  // two applications, found by search
  for (const name of [`web-${runId}`, `api-${runId}`]) {
    await page.getByLabel('New application name').fill(name);
    await page.getByRole('button', { name: 'Create application' }).click();
    await page.getByRole('link', { name }).waitFor();
  }
  const apps: { applicationId: string; name: string }[] = (await ok('environment.one', { environmentId: qa.environmentId })).applications;
  assert.deepEqual(apps.map((a) => a.name).sort(), [`api-${runId}`, `web-${runId}`]);
  const web = apps.find((a) => a.name.startsWith('web-'))!;
  assert.equal(await page.getByRole('link', { name: `web-${runId}` }).getAttribute('href'), `/application/${web.applicationId}`);
  await page.getByLabel('Search applications').fill('web');
  await page.getByRole('link', { name: `api-${runId}` }).waitFor({ state: 'detached' });
  assert.equal(await page.getByRole('link', { name: `web-${runId}` }).count(), 1);
  await page.getByLabel('Search applications').fill('');
  await page.getByRole('link', { name: `api-${runId}` }).waitFor();

  // the project renamed
  const renamed = `${projectName}-renamed`;
  await page.getByRole('button', { name: 'Rename project' }).click();
  await page.getByLabel('Project name', { exact: true }).fill(renamed);
  await page.getByRole('button', { name: 'Save name' }).click();
  await page.getByRole('heading', { name: renamed, level: 1 }).waitFor();
  assert.equal((await ok('project.one', { projectId: created.projectId })).name, renamed);
  // applications created after the page opened get their health from the live stream too
  for (const name of [`web-${runId}`, `api-${runId}`]) await page.getByRole('listitem').filter({ hasText: name }).getByText('not deployed').waitFor({ timeout: 5000 });
  await screenshot(page, 'project');

  // deleting the project is refused while it holds applications: the server's words, nothing else changes
  await page.getByRole('button', { name: 'Delete project' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete project' }).click();
  await page.getByRole('alert').filter({ hasText: 'still holds 2 application(s)' }).waitFor();
  assert.equal((await ok('project.one', { projectId: created.projectId })).name, renamed);
  assert.equal(new URL(page.url()).pathname, `/project/${created.projectId}`);

  // the applications deleted (confirmed), then the environment and the project
  for (const name of [`web-${runId}`, `api-${runId}`]) {
    await page.getByRole('button', { name: `Delete application ${name}` }).click();
    const dialog = page.getByRole('dialog');
    assert.match(await dialog.textContent() ?? '', new RegExp(`Delete application ${name}\\?`));
    await dialog.getByRole('button', { name: 'Delete application' }).click();
    await page.getByRole('link', { name }).waitFor({ state: 'detached' });
  }
  assert.deepEqual((await ok('environment.one', { environmentId: qa.environmentId })).applications, []);
  await page.getByRole('button', { name: 'Delete environment' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete environment' }).click();
  await page.getByRole('heading', { name: 'Applications in production' }).waitFor();
  assert.deepEqual((await ok('environment.byProjectId', { projectId: created.projectId })).map((e: { name: string }) => e.name), ['production']);
  await page.getByRole('button', { name: 'Delete project' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete project' }).click();
  await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
  assert.equal(await projectNamed(renamed), undefined);
  assert.equal((await berth.call('project.one', { projectId: created.projectId })).status, 404);
  // chromium reports the refused delete's 409 itself; nothing else went wrong
  assert.deepEqual(problems.filter((p) => !p.includes('status of 409')), []);
});

test('status badges change live, without a reload, on the project page and the overview (360 px)', async () => {
  const { project, environment } = await ok('project.create', { name: `live-${runId}` });
  const app = await ok('application.create', { name: `live-app-${runId}`, environmentId: environment.environmentId });
  const { page, problems } = await browser.page({ width: 360 });
  await signIn(page);
  const card = page.getByRole('listitem').filter({ has: page.getByRole('link', { name: `live-${runId}`, exact: true }) });
  await card.getByText('1 idle').waitFor();

  await page.getByRole('link', { name: `live-${runId}`, exact: true }).click();
  const row = page.getByRole('listitem').filter({ has: page.getByRole('link', { name: `live-app-${runId}` }) });
  // the health badge comes from the stream's first message: it is open
  await row.getByText('not deployed').waitFor();
  await row.getByText('idle', { exact: true }).waitFor();
  const loads = await page.evaluate(() => performance.getEntriesByType('navigation').length);
  await ok('application.markRunning', { applicationId: app.applicationId });
  await row.getByText('running', { exact: true }).waitFor({ timeout: 10_000 });
  assert.equal(await row.getByText('idle', { exact: true }).count(), 0);
  assert.ok(await noHorizontalScroll(page), 'the project page with an application scrolls sideways at 360px');
  await screenshot(page, 'project');

  await page.getByRole('link', { name: 'Projects' }).first().click();
  await card.getByText('1 running').waitFor();
  await berth.call('application.update', { applicationId: app.applicationId, applicationStatus: 'error' });
  await card.getByText('1 error').waitFor({ timeout: 10_000 });
  assert.equal(await page.evaluate(() => performance.getEntriesByType('navigation').length), loads, 'no page load happened');
  await ok('application.delete', { applicationId: app.applicationId });
  await ok('project.remove', { projectId: project.projectId });
  assert.deepEqual(problems, []);
});

test('the overview searches projects and shows the server and its nodes; both pages fit 360 px', async () => {
  const alpha = await ok('project.create', { name: `alpha-${runId}`, description: 'the first' });
  const beta = await ok('project.create', { name: `beta-${runId}` });
  for (const width of [1280, 360]) {
    const { page, problems } = await browser.page({ width });
    await signIn(page);
    await page.getByRole('link', { name: `beta-${runId}` }).waitFor();
    await page.getByLabel('Search projects').fill('alpha');
    await page.getByRole('link', { name: `beta-${runId}` }).waitFor({ state: 'detached' });
    assert.equal(await page.getByRole('link', { name: `alpha-${runId}` }).count(), 1);
    await page.getByLabel('Search projects').fill('');
    await page.getByRole('heading', { name: 'Server' }).waitFor();
    await page.getByRole('heading', { name: 'Nodes' }).waitFor();
    // this machine is a one-node swarm: its node is listed as the leader
    await page.getByText('manager (leader)').waitFor();
    assert.ok(await noHorizontalScroll(page), `overview scrolls sideways at ${width}px`);
    await screenshot(page, 'overview-projects');

    await page.getByRole('link', { name: `alpha-${runId}` }).click();
    await page.getByRole('heading', { name: `alpha-${runId}`, level: 1 }).waitFor();
    await page.getByRole('heading', { name: 'Applications in production' }).waitFor();
    assert.ok(await noHorizontalScroll(page), `project page scrolls sideways at ${width}px`);
    await screenshot(page, 'project-empty');
    assert.deepEqual(problems, []);
  }
  await ok('project.remove', { projectId: alpha.project.projectId });
  await ok('project.remove', { projectId: beta.project.projectId });
});

test('a read-only token sees projects and applications but no create, rename or delete controls', async () => {
  const { project, environment } = await ok('project.create', { name: `ro-${runId}` });
  const app = await ok('application.create', { name: `ro-app-${runId}`, environmentId: environment.environmentId });
  await ok('environment.create', { projectId: project.projectId, name: 'extra' });
  const { key } = await ok('user.createApiKey', { name: 'ui-read-only', role: 'read-only', metadata: { organizationId: 'berth' } });
  const { page, problems } = await browser.page();
  await signIn(page, key);
  await page.getByRole('link', { name: `ro-${runId}` }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Create project' }).count(), 0);
  assert.equal(await page.getByLabel('New project name').count(), 0);
  await page.getByRole('link', { name: `ro-${runId}` }).click();
  await page.getByRole('link', { name: `ro-app-${runId}` }).waitFor();
  await page.getByRole('link', { name: /^extra/ }).click();
  await page.getByRole('heading', { name: 'Applications in extra' }).waitFor();
  await page.getByRole('link', { name: /^production/ }).click();
  await page.getByRole('heading', { name: 'Applications in production' }).waitFor();
  // the live stream serves any token: the health badge arrives
  await page.getByRole('listitem').filter({ hasText: `ro-app-${runId}` }).getByText('not deployed').waitFor();
  const buttons = await page.getByRole('main').getByRole('button').allTextContents();
  assert.deepEqual(buttons, [], 'no action buttons for a read-only token');
  assert.equal(await page.getByLabel('New application name').count(), 0);
  assert.equal(await page.getByLabel('New environment name').count(), 0);
  assert.deepEqual(problems, []);
  await ok('application.delete', { applicationId: app.applicationId });
});
