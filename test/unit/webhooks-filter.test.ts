// Which pushes deploy which application (src/webhooks/filter.ts, pure): branch, tag,
// repository, watch paths over every commit, skip keywords, autoDeploy, image pushes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { disconnectedSource } from '../../src/model/application.js';
import type { ApplicationRow } from '../../src/store/schema.js';
import type { Delivery, PushEvent } from '../../src/webhooks/event.js';
import { repositoryKey } from '../../src/model/repository.js';
import { decide, matchesWatchPaths } from '../../src/webhooks/filter.js';

const SHA = 'a'.repeat(40);
const app = (over: Partial<ApplicationRow> = {}) =>
  ({ ...disconnectedSource, autoDeploy: true, dockerImage: null, sourceType: 'github', owner: 'acme', repository: 'shop', branch: 'main', ...over }) as unknown as ApplicationRow;
const push = (over: Partial<PushEvent> = {}): Delivery => ({
  provider: 'github',
  deliveryId: 'd1',
  event: {
    kind: 'push',
    ref: { type: 'branch', name: 'main' },
    sha: SHA,
    headMessage: 'Fix the basket\n\nlonger text',
    commits: [
      { id: 'b'.repeat(40), message: 'docs', files: ['docs/readme.md'] },
      { id: SHA, message: 'Fix the basket', files: ['README.md'] },
    ],
    repository: { fullName: 'acme/shop', cloneUrls: ['https://github.com/acme/shop.git'] },
    ...over,
  },
});
const reason = (d: ReturnType<typeof decide>) => (d.deploy ? 'deploys' : d.reason);

describe('a push deploys the pushed commit when it is for the application', () => {
  test('a push to the branch deploys that SHA, titled with the head commit message', () => {
    assert.deepEqual(decide(app(), push()), { deploy: true, commit: SHA, title: 'Fix the basket', description: `Commit: ${SHA}` });
  });

  test('each source type reads its own branch field', () => {
    const gitlab = app({ sourceType: 'gitlab', gitlabPathNamespace: 'acme/shop', gitlabBranch: 'main', branch: null });
    assert.equal(decide(gitlab, push()).deploy, true);
    assert.match(reason(decide(app({ sourceType: 'gitea', giteaOwner: 'acme', giteaRepository: 'shop', giteaBranch: 'prod' }), push())), /branch main, the application deploys prod/);
    const git = app({ sourceType: 'git', customGitUrl: 'ssh://git@example.com:2222/acme/shop.git', customGitBranch: 'main' });
    assert.equal(decide(git, push()).deploy, true, 'the same repository spelt as an SSH URL');
  });

  test('another branch, another repository, a deleted ref: nothing, with the reason', () => {
    assert.match(reason(decide(app(), push({ ref: { type: 'branch', name: 'dev' } }))), /branch dev, the application deploys main/);
    assert.match(reason(decide(app({ repository: 'blog' }), push())), /acme\/shop, the application builds acme\/blog/);
    assert.match(reason(decide(app(), push({ sha: null }))), /deleted/);
  });

  test('triggerType tag deploys tag pushes only; triggerType push ignores tags', () => {
    const tag = push({ ref: { type: 'tag', name: 'v1.2.0' } });
    assert.equal(decide(app({ triggerType: 'tag' }), tag).deploy, true);
    assert.match(reason(decide(app({ triggerType: 'tag' }), push())), /deploys on tags/);
    assert.match(reason(decide(app(), tag)), /tag v1.2.0 pushed/);
  });

  test('watch paths are matched against the files of every commit of the push, not just the head', () => {
    assert.equal(decide(app({ watchPaths: ['docs/**'] }), push()).deploy, true, 'docs/readme.md changed in the first commit');
    assert.match(reason(decide(app({ watchPaths: ['src/**', 'package.json'] }), push())), /no changed file matches the watch paths \(src\/\*\*, package.json\)/);
    assert.equal(matchesWatchPaths(['apps/web/index.ts'], ['./apps/web/**']), true);
    assert.equal(matchesWatchPaths(['.github/workflows/ci.yml'], ['**/*.yml']), true, 'dot paths match');
  });

  test('a payload without file lists (Bitbucket) deploys and says the watch paths were not checked', () => {
    const d = decide(app({ watchPaths: ['src/**'] }), push({ commits: [{ id: SHA, message: 'x', files: null }] }));
    assert.equal(d.deploy, true);
    assert.match(d.deploy ? d.description : '', /watch paths not checked/);
  });

  test('skip keywords in the head commit message skip, in any case', () => {
    for (const k of ['[skip ci]', '[CI SKIP]', '[no ci]', '[skip deploy]'])
      assert.match(reason(decide(app(), push({ headMessage: `Tidy up ${k}` }))), /says \[/, k);
    assert.equal(decide(app(), push({ headMessage: 'skip ci without brackets' })).deploy, true);
  });

  test('autoDeploy off deploys nothing; pings and pull requests never deploy the application', () => {
    assert.match(reason(decide(app({ autoDeploy: false }), push())), /autoDeploy is off/);
    assert.match(reason(decide(app(), { provider: 'github', deliveryId: null, event: { kind: 'ping' } })), /ping/);
  });

  test('a push to a docker-source application deploys nothing', () => {
    assert.match(reason(decide(app({ sourceType: 'docker', dockerImage: 'nginx' }), push())), /docker application does not deploy on a git push/);
  });
});

describe('an image push deploys a docker-source application running that repository and tag', () => {
  const image = (repository: string, tag: string | null): Delivery => ({ provider: 'dockerhub', deliveryId: null, event: { kind: 'image', repository, tag, digest: null } });
  const docker = (dockerImage: string) => app({ sourceType: 'docker', dockerImage });

  test('same repository and tag: deploys; Docker Hub official names match their library/ path', () => {
    assert.equal(decide(docker('acme/shop:1.2'), image('acme/shop', '1.2')).deploy, true);
    assert.equal(decide(docker('nginx'), image('nginx', 'latest')).deploy, true);
    assert.equal(decide(docker('127.0.0.1:5000/acme/shop'), image('127.0.0.1:5000/acme/shop', 'latest')).deploy, true);
  });

  test('another tag or repository: nothing, with the reason', () => {
    assert.match(reason(decide(docker('acme/shop:1.2'), image('acme/shop', 'latest'))), /tag latest pushed; the application runs tag 1.2/);
    assert.match(reason(decide(docker('acme/shop'), image('acme/blog', 'latest'))), /acme\/blog/);
    assert.match(reason(decide(app(), image('acme/shop', 'latest'))), /only applications of source type docker/);
  });
});

test('repositoryKey: one key for a path and every URL spelling of a repository', () => {
  for (const s of ['acme/Shop', 'https://github.com/acme/shop.git', 'git@github.com:acme/shop.git', 'ssh://git@host:22/acme/shop', 'http://127.0.0.1:3080/git/acme/shop.git/'])
    assert.equal(repositoryKey(s), 'acme/shop', s);
});
