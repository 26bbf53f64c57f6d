import { Minimatch } from 'minimatch';
import { parseImageRef } from '../deploy/sources/image-ref.js';
import { sourceRepository } from '../deploy/sources/git-url.js';
import type { ApplicationRow } from '../store/schema.js';
import { repositoryKey } from '../model/repository.js';
import type { Delivery, PushEvent, RepositoryRef } from './event.js';

/** What the receiver does with a delivery for one application (PURE). */
export type Decision =
  | { deploy: true; commit?: string; title: string; description: string }
  | { deploy: false; reason: string };

/** Commit-message markers that skip a deploy (GitHub Actions', GitLab CI's and Berth's own). */
export const SKIP_KEYWORDS = ['[skip ci]', '[ci skip]', '[no ci]', '[skip deploy]', '[deploy skip]', '[skip actions]', '[actions skip]'];

const skip = (reason: string): Decision => ({ deploy: false, reason });
const firstLine = (message: string) => message.split('\n', 1)[0].trim().slice(0, 200);

function sameRepository(configured: string, pushed: RepositoryRef): boolean {
  const names = [pushed.fullName, ...pushed.cloneUrls].filter((n): n is string => !!n).map(repositoryKey);
  return names.length === 0 || names.includes(repositoryKey(configured));
}

/** Every path any commit of the push touched; null when the payload does not say (Bitbucket). */
export function changedFiles(push: PushEvent): string[] | null {
  if (push.commits.length === 0 || push.commits.some((c) => c.files === null)) return null;
  return [...new Set(push.commits.flatMap((c) => c.files!))];
}

export function matchesWatchPaths(files: string[], globs: string[]): boolean {
  const matchers = globs.map((g) => new Minimatch(g.replace(/^\.?\//, ''), { dot: true }));
  return files.some((f) => matchers.some((m) => m.match(f)));
}

function decidePush(app: ApplicationRow, push: PushEvent): Decision {
  const source = sourceRepository(app);
  if (!source) return skip(`a ${app.sourceType} application does not deploy on a git push`);
  if (push.sha === null) return skip(`${push.ref.type} ${push.ref.name} was deleted`);
  if (source.path && !sameRepository(source.path, push.repository))
    return skip(`the push is to ${push.repository.fullName ?? push.repository.cloneUrls[0]}, the application builds ${source.path}`);
  const trigger = app.triggerType ?? 'push';
  if (trigger === 'tag' && push.ref.type !== 'tag') return skip(`the application deploys on tags (triggerType tag); this push is to branch ${push.ref.name}`);
  if (trigger === 'push') {
    if (push.ref.type !== 'branch') return skip(`tag ${push.ref.name} pushed; the application deploys on pushes to its branch (triggerType push)`);
    if (push.ref.name !== source.branch) return skip(`the push is to branch ${push.ref.name}, the application deploys ${source.branch ?? 'no branch'}`);
  }
  const marker = SKIP_KEYWORDS.find((k) => push.headMessage.toLowerCase().includes(k));
  if (marker) return skip(`the head commit's message says ${marker}`);
  const watch = app.watchPaths?.filter(Boolean) ?? [];
  let watched = '';
  if (watch.length) {
    const files = changedFiles(push);
    if (files && !matchesWatchPaths(files, watch)) return skip(`no changed file matches the watch paths (${watch.join(', ')})`);
    if (!files) watched = ' (the payload lists no changed files: watch paths not checked)';
  }
  const title = firstLine(push.headMessage) || `Push to ${push.ref.type} ${push.ref.name}`;
  return { deploy: true, commit: push.sha, title, description: `Commit: ${push.sha}${watched}` };
}

/**
 * Whether a delivery deploys `app`, and what (PURE). Pushes deploy the pushed commit, image
 * pushes the configured tag, a plain POST the configured source; pull requests are
 * previews (not decided here).
 */
export function decide(app: ApplicationRow, delivery: Delivery): Decision {
  const { event } = delivery;
  if (event.kind === 'ignored') return skip(event.reason);
  if (event.kind === 'ping') return skip('ping received');
  if (event.kind === 'pull_request') return skip('pull request events make preview deployments, not deployments of the application');
  if (app.autoDeploy === false) return skip('autoDeploy is off for this application');
  if (event.kind === 'manual') return { deploy: true, title: 'Deploy webhook', description: 'A webhook call without a provider event' };
  if (event.kind === 'image') {
    if (app.sourceType !== 'docker' || !app.dockerImage) return skip('an image push deploys only applications of source type docker');
    let configured;
    try {
      configured = parseImageRef(app.dockerImage);
    } catch {
      return skip(`the application's image "${app.dockerImage}" is not a valid reference`);
    }
    const pushed = parseImageRef(event.repository);
    if (pushed.repository !== configured.repository) return skip(`the push is of ${event.repository}, the application runs ${configured.name}`);
    if ((event.tag ?? 'latest') !== configured.tag) return skip(`tag ${event.tag} pushed; the application runs tag ${configured.tag}`);
    return { deploy: true, title: `Image ${event.repository}:${configured.tag} pushed`, description: event.digest ? `Digest: ${event.digest}` : `Tag: ${configured.tag}` };
  }
  return decidePush(app, event);
}
