// The application page's settings tabs (General, Environment, Domains, Advanced, Previews) in
// real chromium on a real Berth: every change made through the forms is read back over the API,
// bad input shows the server's message and changes nothing, a read-only token sees no controls,
// and each tab fits 360 px. No deploys: previews are listed from a real (refused) pull request.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { request, startTestBerth, type TestBerth } from './helpers/berth.js';
import { builtDashboard, launchBrowser, screenshot, type TestBrowser, signIn as signInAs } from './helpers/browser.js';

const run = Math.random().toString(36).slice(2, 8);
const BUILD_SECRET = `npm-secret-${run}-value`;
const DOCKER_PASSWORD = `docker-pw-${run}`;
/** Chromium logs every refused request; the bad-input steps provoke some on purpose. */
const expected400 = /status of 400/;

describe('the settings tabs of the application page', () => {
  let berth: TestBerth;
  let browser: TestBrowser;
  let page: Page;
  let problems: string[];
  let app: { applicationId: string; appName: string; name: string };
  let readOnlyToken: string;

  const ok = async (proc: string, input: Record<string, unknown> = {}) => {
    const r = await berth.call(proc, input);
    assert.equal(r.status, 200, `${proc}: ${r.text}`);
    return r.body;
  };
  const one = (applicationId = app.applicationId) => ok('application.one', { applicationId });
  const form = (name: string) => page.getByRole('form', { name, exact: true });
  const tab = async (name: string, p = page) => {
    await p.getByRole('navigation', { name: 'Application' }).getByRole('link', { name, exact: true }).click();
    await p.locator('[aria-current="page"]', { hasText: name }).waitFor();
  };
  /** Submits a settings form and waits for its "Saved". */
  const save = async (f: Locator, button = 'Save') => {
    await f.getByRole('button', { name: button, exact: true }).click();
    await f.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
  };
  /** Everything the page shows: its text and the value of every field (page.content() has no field values). */
  const shown = (p = page) =>
    p.evaluate(() => [document.body.innerText, ...[...document.querySelectorAll('input, textarea, select')].map((e) => (e as HTMLInputElement).value)].join('\n'));
  async function signIn(p: Page, token: string, path: string) {
    await signInAs(p, berth.url, token);
    await p.goto(`${berth.url}${path}`);
  }

  /** Gitea's pull_request event `number` for the application's repository, labelled for previews. */
  async function pullRequest(secret: string, repoUrl: string, number: number) {
    const template = JSON.parse(fs.readFileSync(new URL('./fixtures/webhooks/gitea-pull-request-opened.json', import.meta.url), 'utf8'));
    const body = structuredClone(template.body);
    const forge = { ...body.repository, full_name: `git/settings-${run}`, name: `settings-${run}`, clone_url: repoUrl };
    Object.assign(body, { action: 'opened', number, repository: forge });
    Object.assign(body.pull_request, { id: 4000 + number, number, title: 'New basket', labels: [{ ...body.pull_request.labels?.[0], name: 'preview' }] });
    body.pull_request.base = { ...body.pull_request.base, ref: 'main', label: 'main', repo: forge };
    body.pull_request.head = { ...body.pull_request.head, ref: 'basket', label: 'basket', sha: 'c'.repeat(40), repo: forge };
    const raw = JSON.stringify(body);
    const { refreshToken } = await one();
    const hook = await request(`${berth.url}/api/deploy/${refreshToken}`, {
      method: 'POST',
      headers: { ...template.headers, 'x-gitea-delivery': `settings-${run}-${number}`, 'x-gitea-signature': createHmac('sha256', secret).update(raw).digest('hex') },
      body: raw,
    });
    assert.equal(hook.status, 200, hook.text);
  }

  before(async () => {
    berth = await startTestBerth({ BERTH_WEB_DIR: await builtDashboard() });
    browser = await launchBrowser();
    const { environment } = await ok('project.create', { name: `settings-${run}` });
    app = await ok('application.create', { name: `settings-${run}`, environmentId: environment.environmentId });
    readOnlyToken = (await ok('user.createApiKey', { name: `viewer-${run}`, role: 'read-only', metadata: { organizationId: 'berth' } })).key;
    ({ page, problems } = await browser.page());
    await signIn(page, berth.token, `/application/${app.applicationId}/general`);
    await page.getByRole('heading', { name: app.name }).waitFor();
  });
  after(async () => {
    await browser?.close();
    await berth?.close();
  });

  test('General: a Bitbucket source with its provider, a Git URL with an SSH key, then a docker source (password write-only)', async () => {
    await ok('bitbucket.create', { name: `bb-${run}`, authId: 'x', bitbucketUsername: 'bob', apiToken: `bb-token-${run}` });
    const keyPair = await ok('sshKey.generate', { type: 'ed25519' });
    await ok('sshKey.create', { name: `deploy-key-${run}`, privateKey: keyPair.privateKey, publicKey: keyPair.publicKey, organizationId: 'x' });
    const [provider] = await ok('bitbucket.bitbucketProviders');
    const [sshKey] = await ok('sshKey.all');
    await page.reload();
    const source = form('Source');

    await source.getByLabel('Source type').selectOption('bitbucket');
    await source.getByLabel('Provider').selectOption({ label: `bb-${run}` });
    await source.getByLabel('Owner').fill('acme');
    await source.getByLabel('Repository', { exact: true }).fill('shop');
    await source.getByLabel('Branch').fill('main');
    await source.getByLabel('Watch paths').fill('src/**\npackage.json');
    await save(source);
    let a = await one();
    assert.deepEqual(
      [a.sourceType, a.bitbucketId, a.bitbucketOwner, a.bitbucketRepository, a.bitbucketBranch, a.watchPaths],
      ['bitbucket', provider.bitbucketId, 'acme', 'shop', 'main', ['src/**', 'package.json']],
    );

    // the other forges' pickers load their (empty) provider lists without an error
    for (const kind of ['github', 'gitlab', 'gitea']) {
      await source.getByLabel('Source type').selectOption(kind);
      await source.getByText('Git providers whose credentials are complete.').waitFor();
      assert.equal(await source.getByRole('alert').count(), 0, kind);
      assert.deepEqual(await source.getByLabel('Provider').locator('option').allTextContents(), ['None (public repository)'], kind);
    }

    await source.getByLabel('Source type').selectOption('git');
    await source.getByLabel('Repository URL').fill('git@127.0.0.1:team/shop.git');
    await source.getByLabel('Branch').fill('release/1.x');
    await source.getByLabel('SSH key').selectOption({ label: `deploy-key-${run}` });
    await save(source);
    a = await one();
    assert.deepEqual([a.sourceType, a.customGitUrl, a.customGitBranch, a.customGitSSHKeyId], ['git', 'git@127.0.0.1:team/shop.git', 'release/1.x', sshKey.sshKeyId]);

    // a branch the server refuses: its message, and the stored source stays
    await source.getByLabel('Branch').fill('bad branch!');
    await source.getByRole('button', { name: 'Save', exact: true }).click();
    await source.getByRole('alert').filter({ hasText: 'A branch may contain only' }).waitFor();
    assert.equal((await one()).customGitBranch, 'release/1.x');

    await source.getByLabel('Source type').selectOption('docker');
    await source.getByLabel('Image', { exact: true }).fill('nginx:1.27');
    await source.getByLabel('Registry URL').fill('127.0.0.1:5000');
    await source.getByLabel('Registry username').fill('berth');
    await source.getByLabel('Registry password').fill(DOCKER_PASSWORD);
    await save(source);
    a = await one();
    assert.equal(a.sourceType, 'docker');
    assert.equal(a.dockerImage, 'nginx:1.27');
    assert.equal(a.registryUrl, '127.0.0.1:5000');
    assert.equal(a.username, 'berth');
    assert.equal(a.password, '********', 'a password is stored (the API answers only that it is set)');
    assert.equal(await source.getByLabel('Registry password').inputValue(), '', 'the typed password is not kept on the page');

    const build = form('Build');
    await build.getByLabel('Build type').selectOption('dockerfile');
    await build.getByLabel('Dockerfile path').fill('docker/Dockerfile');
    await build.getByLabel('Build context').fill('docker');
    await build.getByLabel('Build stage (--target)').fill('runtime');
    await save(build);

    // a path climbing out of the source tree is refused with the server's message, nothing changes
    await build.getByLabel('Dockerfile path').fill('../../etc/passwd');
    await build.getByRole('button', { name: 'Save', exact: true }).click();
    await build.getByRole('alert').filter({ hasText: 'Must stay inside the source tree' }).waitFor();
    a = await one();
    assert.deepEqual([a.buildType, a.dockerfile, a.dockerContextPath, a.dockerBuildStage], ['dockerfile', 'docker/Dockerfile', 'docker', 'runtime']);

    const name = form('Name');
    await name.getByLabel('Description').fill('Shop front');
    await save(name);
    assert.equal((await one()).description, 'Shop front');
    await page.reload();
    await form('Source').getByLabel('Registry password').waitFor();
    assert.ok(!(await shown()).includes(DOCKER_PASSWORD), 'the docker password is not shown');
    await screenshot(page, 'app-general');
  });

  test('Environment: env and build args saved; a build secret stored but never shown again', async () => {
    await tab('Environment');
    const env = form('Environment');
    await env.getByLabel('Environment variables').fill(`PORT=8080\nGREETING=hello ${run}`);
    await env.getByLabel('Build arguments').fill('NODE_ENV=production');
    await env.getByLabel('Replace build secrets').fill(`NPM_TOKEN=${BUILD_SECRET}`);
    await save(env);
    const a = await one();
    assert.equal(a.env, `PORT=8080\nGREETING=hello ${run}`);
    assert.equal(a.buildArgs, 'NODE_ENV=production');
    assert.equal(a.buildSecrets, `NPM_TOKEN=${BUILD_SECRET}`, 'an admin reads the stored secret back over the API');
    await env.getByRole('list', { name: 'Stored build secrets' }).getByText('NPM_TOKEN').waitFor();
    assert.equal(await env.getByLabel('Replace build secrets').inputValue(), '');
    assert.ok(!(await shown()).includes(BUILD_SECRET), 'the secret value is nowhere in the page');
    await page.reload();
    await env.getByRole('list', { name: 'Stored build secrets' }).waitFor();
    assert.ok(!(await shown()).includes(BUILD_SECRET), 'nor after loading the page again');

    // saving again without typing secrets keeps them
    await env.getByLabel('Build arguments').fill('NODE_ENV=staging');
    await save(env);
    assert.equal((await one()).buildSecrets, `NPM_TOKEN=${BUILD_SECRET}`);
    await screenshot(page, 'app-environment');

    // removed on request
    await env.getByLabel('Remove every stored build secret').check();
    await save(env);
    assert.equal((await one()).buildSecrets, null);
    await env.getByText('Stored build secrets: none').waitFor();
    await env.getByLabel('Replace build secrets').fill(`NPM_TOKEN=${BUILD_SECRET}`);
    await save(env);
  });

  test('Domains: added, generated, checked; an invalid host shows the server message and adds nothing', async () => {
    await tab('Domains');
    // by keyboard: the form opens focused, Escape closes it, Enter submits it
    const focusedHost = () => page.waitForFunction(() => document.activeElement?.matches('form input[placeholder="app.example.com"]'));
    await page.getByRole('button', { name: 'Add domain' }).click();
    await focusedHost();
    await page.keyboard.press('Escape');
    await form('New domain').waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Add domain' }).click();
    let f = form('New domain');
    await focusedHost();
    await page.keyboard.type('shop.example.test');
    await f.getByLabel('Container port').fill('8080');
    await f.getByLabel('Container port').press('Enter');
    await page.getByRole('link', { name: 'http://shop.example.test' }).waitFor();

    await page.getByRole('button', { name: 'Add domain' }).click();
    f = form('New domain');
    await f.getByLabel('Host').fill('https://shop.example.test/x');
    await f.getByRole('button', { name: 'Add domain' }).click();
    await f.getByRole('alert').filter({ hasText: 'without a scheme' }).waitFor();
    assert.equal((await ok('domain.byApplicationId', { applicationId: app.applicationId })).length, 1);

    await f.getByRole('button', { name: 'Generate a host' }).click();
    const hostInput = await f.getByLabel('Host').elementHandle();
    await page.waitForFunction((el) => /\.(sslip\.io|traefik\.me)$/.test((el as HTMLInputElement).value), hostInput);
    const generated = await f.getByLabel('Host').inputValue();
    assert.match(generated, new RegExp(`^${app.appName.slice(0, 20)}.*\\.(sslip\\.io|traefik\\.me)$`));
    await f.getByRole('button', { name: 'Add domain' }).click();
    await page.getByRole('link', { name: `http://${generated}` }).waitFor();
    const domains = await ok('domain.byApplicationId', { applicationId: app.applicationId });
    assert.deepEqual(domains.map((d: any) => [d.host, d.port]).sort(), [[generated, 3000], ['shop.example.test', 8080]].sort());

    // edit: https with Let's Encrypt
    await page.getByRole('button', { name: 'Edit shop.example.test' }).click();
    f = form('Edit shop.example.test');
    await f.getByLabel('HTTPS').check();
    await f.getByLabel('Certificate', { exact: true }).selectOption('letsencrypt');
    await f.getByRole('button', { name: 'Save domain' }).click();
    await page.getByRole('link', { name: 'https://shop.example.test' }).waitFor();
    const edited = (await ok('domain.byApplicationId', { applicationId: app.applicationId })).find((d: any) => d.host === 'shop.example.test');
    assert.deepEqual([edited.https, edited.certificateType], [true, 'letsencrypt']);

    // the DNS check shows the server's answer (this machine resolves no public names)
    await page.getByRole('button', { name: 'Check DNS of shop.example.test' }).click();
    await page.getByRole('status').filter({ hasText: /DNS (check failed: shop\.example\.test|points here)/ }).waitFor({ timeout: 15_000 });
    await screenshot(page, 'app-domains');

    // delete, through the confirmation
    await page.getByRole('button', { name: `Delete ${generated}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('link', { name: `http://${generated}` }).waitFor({ state: 'detached' });
    assert.equal((await ok('domain.byApplicationId', { applicationId: app.applicationId })).length, 1);
  });

  test('Advanced: a port, a volume mount, a redirect, basic auth, memory limit and health check; a negative port is refused', async () => {
    await tab('Advanced');
    await page.getByRole('button', { name: 'Add port' }).click();
    let f = form('New port');
    await f.getByLabel('Published port').fill('-5');
    await f.getByLabel('Container port').fill('80');
    await f.getByRole('button', { name: 'Add port' }).click();
    await f.getByRole('alert').filter({ hasText: 'publishedPort' }).waitFor();
    assert.deepEqual((await one()).ports, []);
    await f.getByLabel('Published port').fill('18081');
    await f.getByRole('button', { name: 'Add port' }).click();
    await page.getByText('18081 → 80').waitFor();

    await page.getByRole('button', { name: 'Add mount' }).click();
    f = form('New mount');
    await f.getByLabel('Volume name').fill(`data-${run}`);
    await f.getByLabel('Path in the container').fill('/data');
    await f.getByRole('button', { name: 'Add mount' }).click();
    await page.getByText(`from volume data-${run}`).waitFor();

    await page.getByRole('button', { name: 'Add redirect' }).click();
    f = form('New redirect');
    await f.getByLabel('Regular expression').fill('^/old/(.*)');
    await f.getByLabel('Replacement').fill('/new/${1}');
    await f.getByLabel('Permanent (301)').check();
    await f.getByRole('button', { name: 'Add redirect' }).click();
    await page.getByText('301 permanent').waitFor();

    await page.getByRole('button', { name: 'Add user' }).click();
    f = form('New user');
    await f.getByLabel('Username').fill('alice');
    await f.getByLabel('Password').fill(`pw-${run}`);
    await f.getByRole('button', { name: 'Add user' }).click();
    await page.getByRole('button', { name: 'Edit user alice' }).waitFor();

    const resources = form('Resources');
    await resources.getByLabel('Memory limit (MiB)').fill('256');
    await resources.getByLabel('CPU limit (CPUs)').fill('0.5');
    await save(resources);

    const health = form('Health check and restarts');
    await health.getByLabel('Check an HTTP path inside the container').check();
    await health.getByLabel('Health path').fill('/health');
    await health.getByLabel('Health port').fill('80');
    await health.getByLabel('Restart', { exact: true }).selectOption('on-failure');
    await health.getByLabel('Max attempts').fill('3');
    await save(health);

    const container = form('Container');
    await container.getByLabel('Command', { exact: true }).fill('node server.js');
    await container.getByLabel('Arguments').fill('--port\n8080');
    await container.getByLabel('Container labels').fill('tier=web');
    await container.getByLabel('Placement constraints').fill('node.role==manager');
    await container.getByLabel('Update order').selectOption('stop-first');
    await save(container);

    const a = await one();
    assert.deepEqual(
      [a.command, a.args, a.labelsSwarm, a.placementSwarm, a.updateConfigSwarm],
      ['node server.js', ['--port', '8080'], { tier: 'web' }, { Constraints: ['node.role==manager'] }, { Order: 'stop-first', Parallelism: 1 }],
    );
    assert.deepEqual(a.ports.map((p: any) => [p.publishedPort, p.targetPort, p.protocol]), [[18081, 80, 'tcp']]);
    assert.deepEqual(a.mounts.map((m: any) => [m.type, m.volumeName, m.mountPath]), [['volume', `data-${run}`, '/data']]);
    assert.deepEqual(a.redirects.map((r: any) => [r.regex, r.replacement, r.permanent]), [['^/old/(.*)', '/new/${1}', true]]);
    assert.deepEqual(a.security.map((s: any) => s.username), ['alice']);
    assert.equal(a.memoryLimit, String(256 * 1024 * 1024));
    assert.equal(a.cpuLimit, '500000000');
    assert.deepEqual(a.httpHealthCheck, { path: '/health', port: 80, interval: 5, timeout: 3, retries: 3, startPeriod: 0 });
    assert.deepEqual(a.restartPolicySwarm, { Condition: 'on-failure', MaxAttempts: 3 });
    await screenshot(page, 'app-advanced');
  });

  test('Previews: settings saved; a refused pull request is listed with its reason and deleted', async () => {
    const secret = `hook-${run}`;
    const repoUrl = `http://127.0.0.1:3080/git/settings-${run}.git`;
    await ok('application.saveGitProvider', { applicationId: app.applicationId, customGitUrl: repoUrl, customGitBranch: 'main', watchPaths: null });
    await ok('application.update', { applicationId: app.applicationId, webhookSecret: secret });
    await page.reload();
    await tab('Previews');
    const f = form('Preview deployments');
    await f.getByLabel('Deploy previews of pull requests').check();
    await f.getByLabel('Wildcard domain').fill('*.pr.example.test');
    await f.getByLabel('Preview container port').fill('8080');
    await f.getByLabel('Preview limit').fill('0');
    await f.getByLabel('Only pull requests labelled').fill('preview, qa');
    await f.getByLabel('Preview environment variables').fill('STAGE=preview');
    await save(f);
    const a = await one();
    assert.deepEqual(
      [a.isPreviewDeploymentsActive, a.previewWildcard, a.previewPort, a.previewLimit, a.previewLabels, a.previewEnv],
      [true, '*.pr.example.test', 8080, 0, ['preview', 'qa'], 'STAGE=preview'],
    );

    // bad wildcard: the server's message, nothing changed
    await f.getByLabel('Wildcard domain').fill('pr.example.test');
    await f.getByRole('button', { name: 'Save', exact: true }).click();
    await f.getByRole('alert').filter({ hasText: 'Must start with "*."' }).waitFor();
    assert.equal((await one()).previewWildcard, '*.pr.example.test');

    // previewLimit 0 refuses the pull request with a reason
    await pullRequest(secret, repoUrl, 4);
    await page.reload();
    await page.getByRole('link', { name: '#4 New basket' }).waitFor();
    await page.getByText('its previewLimit is 0').waitFor();
    await screenshot(page, 'app-previews');

    await page.getByRole('button', { name: 'Delete preview #4' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete preview' }).click();
    await page.getByRole('status').filter({ hasText: 'Preview of #4 deleted' }).waitFor();
    assert.deepEqual(await ok('previewDeployment.all', { applicationId: app.applicationId }), []);
    assert.deepEqual(problems.filter((p) => !expected400.test(p)), []);
    await pullRequest(secret, repoUrl, 5);
  });

  test('a deployer token may delete a preview but saves nothing', async () => {
    const deployer = await browser.page();
    const token = (await ok('user.createApiKey', { name: `deployer-${run}`, role: 'deployer', metadata: { organizationId: 'berth' } })).key;
    await signIn(deployer.page, token, `/application/${app.applicationId}/previews`);
    await deployer.page.getByRole('link', { name: '#5 New basket' }).waitFor();
    assert.equal(await deployer.page.getByRole('button', { name: 'Save' }).count(), 0);
    await deployer.page.getByRole('button', { name: 'Delete preview #5' }).click();
    await deployer.page.getByRole('dialog').getByRole('button', { name: 'Delete preview' }).click();
    await deployer.page.getByRole('status').filter({ hasText: 'Preview of #5 deleted' }).waitFor();
    assert.deepEqual(await ok('previewDeployment.all', { applicationId: app.applicationId }), []);
    assert.deepEqual(deployer.problems, []);
    await deployer.context.close();
  });

  test('a read-only token sees the values (secrets masked) and no control that changes anything', async () => {
    const viewer = await browser.page();
    await signIn(viewer.page, readOnlyToken, `/application/${app.applicationId}/general`);
    for (const name of ['General', 'Environment', 'Domains', 'Advanced', 'Previews']) {
      await tab(name, viewer.page);
      await viewer.page.locator('.panel').first().waitFor();
      const buttons = await viewer.page.locator('main form button, main .panel button').allTextContents();
      assert.deepEqual(buttons, [], `${name}: ${buttons.join(', ')}`);
      if (name === 'Environment') {
        assert.equal(await viewer.page.getByLabel('Environment variables').inputValue(), 'PORT=********\nGREETING=********');
        assert.ok(await viewer.page.getByLabel('Environment variables').isDisabled());
      }
      if (name === 'Domains') await viewer.page.getByRole('link', { name: 'https://shop.example.test' }).waitFor();
      const text = await shown(viewer.page);
      assert.ok(!text.includes(BUILD_SECRET) && !text.includes(DOCKER_PASSWORD) && !text.includes(`hello ${run}`), name);
    }
    assert.deepEqual(viewer.problems, []);
    await viewer.context.close();
  });

  test('every tab fits 360 px without horizontal scrolling', async () => {
    const narrow = await browser.page({ width: 360, height: 740 });
    await signIn(narrow.page, berth.token, `/application/${app.applicationId}/general`);
    for (const [name, shot] of [
      ['General', 'app-general'],
      ['Environment', 'app-environment'],
      ['Domains', 'app-domains'],
      ['Advanced', 'app-advanced'],
      ['Previews', 'app-previews'],
    ]) {
      await tab(name, narrow.page);
      await narrow.page.locator('.panel').first().waitFor();
      if (name === 'Domains') await narrow.page.getByRole('button', { name: 'Add domain' }).click();
      const width = await narrow.page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 360, `${name}: the page is ${width} px wide`);
      await screenshot(narrow.page, shot);
    }
    assert.deepEqual(narrow.problems, []);
    await narrow.context.close();
  });
});
