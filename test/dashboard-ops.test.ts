// The application page's runtime side in real chromium, on a real Berth with the real engine
// (scripts/test-env.sh): deploy and follow the live log to `done`, redeploy, roll back,
// container logs (search, follow), the metrics chart, the Traefik editor, stop and delete,
// and a read-only token that sees no actions. What the UI did is read back over the API,
// the engine and the application's published port.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Page } from 'playwright-core';
import { startTestBerth, type TestBerth } from './helpers/berth.js';
import { builtDashboard, launchBrowser, screenshot, type TestBrowser, signIn as signInAs } from './helpers/browser.js';
import { answer, deploymentClient, freePort, pushTestImage, removeRunApplications } from './helpers/e2e.js';
import { run, runId } from './helpers/job.js';
import { readTestEnv } from './helpers/test-env.js';

const testEnv = readTestEnv();
const docker = testEnv.dockerCli;
const { registry } = testEnv;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-dash-ops-'));
/** Chromium's console line for a refused request: only the Traefik test expects one (its 400). */
const REFUSED_400 = /status of 400/;

describe('the application page: actions, deployments, logs, metrics, Traefik', () => {
  let b: TestBerth;
  let browser: TestBrowser;
  let page: Page;
  let problems: string[];
  const { ok } = deploymentClient(() => b);
  const appNames: string[] = [];
  let app: { applicationId: string; appName: string; projectId: string; environmentId: string; port: number };
  const repo = `berth-dash/${runId}`;
  const text = (v: string) => `dash-${runId}-${v}\n`;

  const signIn = (p: Page, token: string) => signInAs(p, b.url, token);
  const open = (p: Page, tab: string) => p.goto(`${b.url}/application/${app.applicationId}/${tab}`);
  /** The log panel of the selected deployment, once its stream ended with `status`. */
  async function logEnded(status: string) {
    const heading = page.getByRole('heading', { name: /^Log of/ });
    await heading.getByText(`ended ${status}`).waitFor({ timeout: 120_000 });
    return page.getByRole('log').textContent();
  }
  const selectedDeployment = () => new URL(page.url()).searchParams.get('deployment');
  const confirm = async (label: string) => {
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await dialog.getByRole('button', { name: label, exact: true }).click();
  };
  const replicas = async () => (await run([docker, 'service', 'inspect', app.appName, '--format', '{{.Spec.Mode.Replicated.Replicas}}'])).trim();
  async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000) {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
      await sleep(200);
    }
  }
  async function noHorizontalScroll(p: Page) {
    const width = await p.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 360, `${p.url()} is ${width} px wide at 360`);
  }

  before(async () => {
    const [webDir, image] = await Promise.all([builtDashboard(), pushTestImage(tmp, repo, 'latest', text('v1').trim())]);
    b = await startTestBerth({ BERTH_WEB_DIR: webDir, BERTH_DOCKER_CLI: docker, BERTH_ROLLOUT_TIMEOUT_MS: '120000', BERTH_METRICS_INTERVAL_MS: '1000' });
    const project = await ok('project.create', { name: `dash-ops-${runId}` });
    const row = await ok('application.create', { name: `ops-${runId}`, environmentId: project.environment.environmentId });
    appNames.push(row.appName);
    const port = await freePort();
    app = { applicationId: row.applicationId, appName: row.appName, projectId: project.project.projectId, environmentId: project.environment.environmentId, port };
    await ok('port.create', { applicationId: app.applicationId, publishedPort: port, targetPort: 3000, publishMode: 'host' });
    await ok('application.saveDockerProvider', { applicationId: app.applicationId, dockerImage: image, username: registry.username, password: registry.password, registryUrl: registry.url });
    // the site, plus lines on stdout for the logs tab (busybox httpd logs nothing): a screenful at start, then one a second
    await ok('application.update', { applicationId: app.applicationId, command: 'sh', args: ['-c', `httpd -p 3000 -h /www; echo hello-${runId}; for n in $(seq 60); do echo boot-$n; done; i=0; while true; do echo tick-$i; i=$((i+1)); sleep 1; done`] });
    await ok('domain.create', { host: `ops-${runId}.example.com`, applicationId: app.applicationId, port: 3000 });
    browser = await launchBrowser();
    ({ page, problems } = await browser.page());
    await signIn(page, b.token);
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

  test('deploy from the page: the live log follows to done, the published port serves the image', async () => {
    // nothing ran yet: the metrics and the logs say so
    await open(page, 'metrics');
    await page.getByText('No samples in this range').waitFor();
    await open(page, 'logs');
    await page.getByRole('log', { name: 'Container logs' }).getByText('No lines match.').waitFor();
    await open(page, 'deployments');
    await page.getByText('No deployments yet.').waitFor();
    await page.getByRole('button', { name: 'Deploy', exact: true }).click();
    await page.waitForURL(/deployments\?deployment=/);
    // the stream is open while the deployment runs
    await page.getByRole('heading', { name: /^Log of/ }).getByText('following').waitFor();
    const log = await logEnded('done');
    assert.match(log!, /Deployment done: the new tasks are running/);
    assert.equal(await answer(app.port), text('v1'));
    // the list was read again at the end: the deployment is done, the current release, with its stage timings
    const item = page.getByRole('list', { name: 'Deployments' }).getByRole('listitem').first();
    await item.getByText('current release').waitFor();
    await item.getByText('done', { exact: true }).waitFor();
    assert.match((await item.getByRole('list', { name: 'Stage timings' }).textContent())!, /queued.*releasing/);
    const [row] = await ok('deployment.all', { applicationId: app.applicationId });
    assert.equal(row.deploymentId, selectedDeployment());
    assert.equal(row.status, 'done');
  });

  test('redeploy (clean cache saved as the setting) runs the moved tag; roll back (confirmed) serves the old release again', async () => {
    await pushTestImage(tmp, repo, 'latest', text('v2').trim());
    const first = selectedDeployment();
    await page.getByRole('checkbox', { name: 'clean cache' }).check();
    await page.getByRole('button', { name: 'Redeploy' }).click();
    await page.waitForURL((u) => !!u.searchParams.get('deployment') && u.searchParams.get('deployment') !== first);
    await logEnded('done');
    assert.equal(await answer(app.port), text('v2'));
    const one = await ok('application.one', { applicationId: app.applicationId });
    assert.equal(one.cleanCache, true);
    assert.equal(one.release.type, 'redeploy');

    // only the first release offers a rollback (the current one does not)
    const rollbacks = page.getByRole('button', { name: 'Roll back to this release' });
    await rollbacks.first().waitFor();
    assert.equal(await rollbacks.count(), 1);
    await rollbacks.click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await screenshot(page, 'app-rollback-confirm');
    // Escape (the keyboard's cancel) closes it and changes nothing
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    assert.equal((await ok('deployment.all', { applicationId: app.applicationId })).length, 2);
    await rollbacks.click();
    await confirm('Roll back');
    await page.waitForURL((u) => ![first, one.release.deploymentId].includes(u.searchParams.get('deployment')));
    await logEnded('done');
    assert.equal(await answer(app.port), text('v1'));
    const after = await ok('application.one', { applicationId: app.applicationId });
    assert.equal(after.release.type, 'rollback');
    assert.equal(after.release.deploymentId, selectedDeployment());
    await page.getByRole('list', { name: 'Deployments' }).getByRole('listitem').first().getByText('current release').waitFor();
    await screenshot(page, 'app-deployments');
  });

  test('cancel (confirmed) while a deployment verifies: it ends cancelled, the release before it serves on', async () => {
    // a health check still in its start period: the new task never becomes healthy, the deployment waits
    const second = 1_000_000_000;
    await ok('application.update', { applicationId: app.applicationId, healthCheckSwarm: { Test: ['CMD-SHELL', 'exit 1'], Interval: second, Timeout: second, Retries: 1, StartPeriod: 120 * second } });
    try {
      const previous = selectedDeployment();
      await page.getByRole('button', { name: 'Deploy', exact: true }).click();
      await page.waitForURL((u) => !!u.searchParams.get('deployment') && u.searchParams.get('deployment') !== previous);
      // its new task started (a cancel while Swarm still waits for the host port takes a minute to undo)
      await page.getByRole('log').getByText(/task \w+ \(replica 1\): starting/).waitFor({ timeout: 60_000 });
      await page.getByRole('button', { name: 'Cancel deployment' }).click();
      await confirm('Cancel deployment');
      await logEnded('cancelled');
      const [row] = await ok('deployment.all', { applicationId: app.applicationId });
      assert.equal(row.deploymentId, selectedDeployment());
      assert.equal(row.status, 'cancelled');
      assert.equal(await answer(app.port), text('v1'));
    } finally {
      await ok('application.update', { applicationId: app.applicationId, healthCheckSwarm: null });
    }
  });

  test('container logs: the app’s output, a search filters it, follow shows new lines', async () => {
    await open(page, 'logs');
    const log = page.getByRole('log', { name: 'Container logs' });
    await log.getByText(`hello-${runId}`).first().waitFor();
    assert.match((await log.textContent())!, /tick-\d+/);

    await page.getByLabel('Search').fill(`hello-${runId}`);
    await page.getByLabel('Search').press('Enter');
    await page.getByRole('status').filter({ hasText: /^\d+ lines$/ }).waitFor();
    await until('the search to apply', async () => !/tick-/.test((await log.textContent())!));
    assert.match((await log.textContent())!, new RegExp(`hello-${runId}`));

    // a search the API refuses: its message, beside the form
    await page.getByLabel('Search').fill('no/slashes');
    await page.getByLabel('Search').press('Enter');
    await page.getByRole('alert').filter({ hasText: /Letters, digits, spaces/ }).waitFor();

    await page.getByLabel('Search').fill('');
    await page.getByLabel('Lines').selectOption('500');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.getByRole('checkbox', { name: 'Follow' }).check();
    await page.getByText('Following: new lines appear').waitFor();
    const ticks = async () => [...(await log.textContent())!.matchAll(/tick-(\d+)/g)].map((m) => Number(m[1]));
    await until('the first followed lines', async () => (await ticks()).length > 0);
    const seen = Math.max(...(await ticks()));
    await until('a new line while following', async () => Math.max(...(await ticks())) > seen, 15_000);
    // more lines than fit, scrolled to the newest
    const { overflow, fromBottom } = await log.evaluate((el) => ({ overflow: el.scrollHeight - el.clientHeight, fromBottom: el.scrollHeight - el.scrollTop - el.clientHeight }));
    assert.ok(overflow > 100, `the log does not overflow (${overflow} px)`);
    assert.ok(fromBottom < 30, `the log is ${fromBottom} px above its newest line`);
    await screenshot(page, 'app-logs');
  });

  test('metrics: uPlot draws CPU, memory and network from the samples, for each range', async () => {
    await until('two metric samples', async () => (await ok('application.readAppMonitoring', { appName: app.appName }))?.cpu.length >= 2);
    await open(page, 'metrics');
    const memory = page.getByRole('img', { name: /^Memory: used latest \d/ });
    await memory.waitFor();
    // uPlot (its own chunk) draws one canvas per chart
    await page.locator('.chart-plot canvas').nth(2).waitFor();
    assert.equal(await page.locator('.chart-plot .uplot canvas').count(), 3);
    // uPlot's legend shows values, and the CPU series has points
    assert.match((await page.getByRole('img', { name: /^CPU:/ }).getAttribute('aria-label'))!, /CPU latest \d+\.\d\d %/);
    await screenshot(page, 'app-metrics');
    await page.getByRole('button', { name: '15 min' }).click();
    assert.equal(await page.getByRole('button', { name: '15 min' }).getAttribute('aria-pressed'), 'true');
    await page.getByRole('img', { name: /^CPU:/ }).waitFor();
  });

  test('Traefik: a refused edit shows the server’s error beside the editor and changes nothing; a valid one saves', async () => {
    const before = await ok('application.readTraefikConfig', { applicationId: app.applicationId });
    assert.match(before, new RegExp(`ops-${runId}\\.example\\.com`));
    await open(page, 'traefik');
    const editor = page.getByLabel('Traefik configuration (YAML)');
    await until('the file in the editor', async () => (await editor.inputValue()) === before);
    await editor.fill('http:\n  routers:\n    broken:\n      rule: 42\n');
    await page.getByRole('button', { name: 'Save' }).click();
    const alert = page.getByRole('alert');
    await alert.filter({ hasText: 'traefikConfig is not a Traefik v3 dynamic configuration' }).waitFor();
    await screenshot(page, 'app-traefik-error');
    assert.equal(await ok('application.readTraefikConfig', { applicationId: app.applicationId }), before);
    assert.equal(await editor.inputValue(), 'http:\n  routers:\n    broken:\n      rule: 42\n', 'the edit stays for fixing');

    const edited = `${before.trimEnd()}\n# edited-${runId}\n`;
    await editor.fill(edited);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    assert.equal(await alert.count(), 0);
    assert.equal(await ok('application.readTraefikConfig', { applicationId: app.applicationId }), edited);
    await screenshot(page, 'app-traefik');
  });

  test('at 360 px every tab fits without horizontal scroll', async () => {
    const { page: narrow, problems: narrowProblems } = await browser.page({ width: 360, height: 740 });
    await signIn(narrow, b.token);
    for (const tab of ['deployments', 'logs', 'metrics', 'traefik']) {
      await open(narrow, tab);
      await narrow.getByRole('button', { name: 'Deploy', exact: true }).waitFor();
      if (tab === 'deployments') await narrow.getByRole('heading', { name: /^Log of/ }).getByText(/^ended /).waitFor();
      if (tab === 'logs') await narrow.getByRole('log').getByText(`hello-${runId}`).first().waitFor();
      if (tab === 'metrics') await narrow.locator('.chart-plot canvas').first().waitFor();
      if (tab === 'traefik') await narrow.getByLabel('Traefik configuration (YAML)').waitFor();
      await noHorizontalScroll(narrow);
      await screenshot(narrow, `app-${tab}`);
    }
    assert.deepEqual(narrowProblems, []);
    await narrow.close();
  });

  test('a read-only token sees the runtime tabs but no actions', async () => {
    const { key } = await ok('user.createApiKey', { name: `ro-${runId}`, role: 'read-only', metadata: { organizationId: 'berth' } });
    const { page: ro, problems: roProblems } = await browser.page();
    await signIn(ro, key);
    await open(ro, 'deployments');
    await ro.getByRole('list', { name: 'Deployments' }).waitFor();
    assert.equal(await ro.getByRole('button', { name: 'Deploy', exact: true }).count(), 0);
    assert.equal(await ro.getByRole('button', { name: 'Roll back to this release' }).count(), 0);
    await open(ro, 'traefik');
    const editor = ro.getByLabel('Traefik configuration (YAML)');
    await editor.waitFor();
    assert.equal(await editor.getAttribute('readonly'), '');
    assert.equal(await ro.getByRole('button', { name: 'Save' }).count(), 0);
    assert.deepEqual(roProblems, []);
    await ro.close();
  });

  test('stop (confirmed) scales the service to 0; delete (confirmed) removes the application and its service', async () => {
    await open(page, 'deployments');
    await page.getByRole('button', { name: 'Stop' }).click();
    await screenshot(page, 'app-stop-confirm');
    await confirm('Stop');
    await page.getByRole('status').filter({ hasText: 'Stop queued' }).waitFor();
    await until('the service scaled to 0', async () => (await replicas()) === '0');

    await page.getByRole('button', { name: 'Delete' }).click();
    await confirm('Delete');
    await page.waitForURL(`${b.url}/project/${app.projectId}?environment=${app.environmentId}`);
    assert.equal((await b.call('application.one', { applicationId: app.applicationId })).status, 404);
    await until('the service removed', async () => !(await run([docker, 'service', 'ls', '--format', '{{.Name}}'])).split('\n').includes(app.appName));
    // the only console error of the whole run is the refused Traefik edit's 400
    assert.deepEqual(problems.filter((p) => !REFUSED_400.test(p)), []);
    assert.equal(problems.filter((p) => REFUSED_400.test(p)).length, 2, problems.join('\n'));
  });
});
