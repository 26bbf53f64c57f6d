// Which pull requests get a preview and what the preview runs (pure): src/webhooks/preview.ts
// and src/deploy/preview-app.ts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseDotenv } from '../../src/model/dotenv.js';
import { disconnectedSource } from '../../src/model/application.js';
import { previewApplication, previewUrl } from '../../src/deploy/preview-app.js';
import type { DeployableApplication } from '../../src/deploy/types.js';
import type { PreviewDeploymentRow } from '../../src/store/schema.js';
import type { PullRequestEvent } from '../../src/webhooks/event.js';
import { previewAction, previewHost } from '../../src/webhooks/preview.js';

const app = (over: Partial<DeployableApplication> = {}) =>
  ({
    ...disconnectedSource,
    appName: 'shop-web',
    sourceType: 'github',
    owner: 'acme',
    repository: 'shop',
    branch: 'main',
    isPreviewDeploymentsActive: true,
    previewLimit: 2,
    previewLabels: null,
    previewAllowForks: false,
    previewHttps: false,
    previewPath: '/',
    env: 'A=app\nB=app',
    previewEnv: 'B=preview',
    buildArgs: null,
    previewBuildArgs: 'X=1',
    buildSecrets: 'S=app',
    previewBuildSecrets: null,
    ports: [{ publishedPort: 8080, targetPort: 3000 }],
    mounts: [{ type: 'volume' }, { type: 'file', filePath: 'a.conf' }, { type: 'bind' }],
    replicas: 3,
    registryId: 'reg',
    rollbackActive: true,
    rollbackRegistryId: 'reg2',
    ...over,
  }) as unknown as DeployableApplication;
const repo = (fullName: string) => ({ fullName, cloneUrls: [`https://github.com/${fullName}.git`] });
const pr = (over: Partial<PullRequestEvent> = {}): PullRequestEvent => ({
  kind: 'pull_request',
  action: 'opened',
  number: 7,
  id: '700',
  title: 'New basket',
  url: 'https://github.com/acme/shop/pull/7',
  base: { branch: 'main', repository: repo('acme/shop') },
  head: { branch: 'basket', sha: 'c'.repeat(40), repository: repo('acme/shop') },
  labels: [],
  ...over,
});
const none = { existing: undefined, running: 0 };
const existing = { statusMessage: null } as PreviewDeploymentRow;

describe('which pull requests get a preview', () => {
  test('opened, reopened or updated against the application\'s branch: deploy (created the first time)', () => {
    assert.deepEqual(previewAction(app(), pr(), none), { kind: 'deploy', create: true });
    assert.deepEqual(previewAction(app(), pr({ action: 'updated' }), { existing, running: 1 }), { kind: 'deploy', create: false });
  });

  test('closed: the preview goes; nothing for a pull request without one', () => {
    assert.deepEqual(previewAction(app(), pr({ action: 'closed' }), { existing, running: 1 }), { kind: 'remove' });
    assert.equal(previewAction(app(), pr({ action: 'closed' }), none).kind, 'ignore');
  });

  test('previews off, another target branch, another repository, missing label: ignored with the reason', () => {
    const reason = (a: ReturnType<typeof previewAction>) => (a.kind === 'ignore' ? a.reason : a.kind);
    assert.match(reason(previewAction(app({ isPreviewDeploymentsActive: false }), pr(), none)), /off/);
    assert.match(reason(previewAction(app(), pr({ base: { branch: 'dev', repository: repo('acme/shop') } }), none)), /targets dev/);
    assert.match(reason(previewAction(app(), pr({ base: { branch: 'main', repository: repo('acme/blog') } }), none)), /acme\/blog/);
    assert.match(reason(previewAction(app({ previewLabels: ['preview'] }), pr(), none)), /labels preview/);
    assert.equal(previewAction(app({ previewLabels: ['preview'] }), pr({ labels: ['preview'] }), none).kind, 'deploy');
  });

  test('beyond previewLimit: refused with the reason; a preview that exists still redeploys', () => {
    const refused = previewAction(app(), pr(), { existing: undefined, running: 2 });
    assert.equal(refused.kind, 'refuse');
    assert.match(refused.kind === 'refuse' ? refused.reason : '', /already has 2 previews, its previewLimit is 2/);
    assert.equal(previewAction(app(), pr({ action: 'updated' }), { existing, running: 2 }).kind, 'deploy');
    const wasRefused = { statusMessage: 'limit' } as PreviewDeploymentRow;
    assert.equal(previewAction(app(), pr({ action: 'updated' }), { existing: wasRefused, running: 2 }).kind, 'refuse', 'a refused one stays refused while the limit is reached');
    assert.equal(previewAction(app(), pr({ action: 'updated' }), { existing: wasRefused, running: 1 }).kind, 'deploy', 'and gets its preview once there is room');
  });

  test('a fork gets a preview only when the application allows forks (its build would get the secrets)', () => {
    const fork = pr({ head: { branch: 'basket', sha: 'c'.repeat(40), repository: repo('mallory/shop') } });
    const refused = previewAction(app(), fork, none);
    assert.match(refused.kind === 'refuse' ? refused.reason : '', /fork mallory\/shop/);
    assert.equal(previewAction(app({ previewAllowForks: true }), fork, none).kind, 'deploy');
  });
});

describe('what a preview runs', () => {
  const preview = { appName: 'preview-shop-web-ab12cd', branch: 'basket', headCloneUrl: null } as PreviewDeploymentRow;

  test('its own service name and host from the wildcard', () => {
    assert.equal(previewHost('*.preview.example.com', preview.appName, 'traefik.me'), 'preview-shop-web-ab12cd.preview.example.com');
    assert.equal(previewHost(null, preview.appName, 'traefik.me'), 'preview-shop-web-ab12cd.traefik.me');
    assert.equal(previewUrl(app({ previewHttps: true, previewPath: '/app' }), 'p.example.com'), 'https://p.example.com/app');
  });

  test('preview env, build args and build secrets merged over the application\'s (preview wins), with its URL', () => {
    const p = previewApplication(app(), preview, 'http://p.example.com');
    assert.equal(p.appName, preview.appName);
    assert.deepEqual(parseDotenv(p.env), { A: 'app', B: 'preview', DOKPLOY_DEPLOY_URL: 'http://p.example.com', BERTH_PREVIEW_URL: 'http://p.example.com' });
    assert.deepEqual(parseDotenv(p.buildArgs), { X: '1' });
    assert.deepEqual(parseDotenv(p.buildSecrets), { S: 'app' });
  });

  test('the head branch; no published ports, registry pushes, rollbacks, volume or bind mounts; one replica', () => {
    const p = previewApplication(app(), preview, '');
    assert.equal(p.branch, 'basket');
    assert.deepEqual(p.ports, []);
    assert.deepEqual(p.mounts.map((m) => m.type), ['file']);
    assert.equal(p.replicas, 1);
    assert.equal(p.registryId, null);
    assert.equal(p.rollbackActive, false);
  });

  test('a fork is cloned from its own repository', () => {
    const fork = { ...preview, headCloneUrl: 'https://github.com/mallory/shop.git' };
    const gh = previewApplication(app(), fork, '');
    assert.deepEqual([gh.owner, gh.repository], ['mallory', 'shop']);
    const git = previewApplication(app({ sourceType: 'git', customGitUrl: 'https://git.example.com/acme/shop.git', customGitBranch: 'main' }), fork, '');
    assert.deepEqual([git.customGitUrl, git.customGitBranch], ['https://github.com/mallory/shop.git', 'basket']);
  });
});
