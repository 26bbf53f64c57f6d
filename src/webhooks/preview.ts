import { repositoryKey } from '../model/repository.js';
import type { PullRequestEvent } from './event.js';
import { sourceRepository } from '../deploy/sources/git-url.js';
import type { ApplicationRow, PreviewDeploymentRow } from '../store/schema.js';

/** What a pull-request event does to an application's previews (PURE). */
export type PreviewAction =
  | { kind: 'deploy'; create: boolean }
  | { kind: 'remove' }
  | { kind: 'refuse'; reason: string }
  | { kind: 'ignore'; reason: string };

export interface PreviewState {
  /** The application's preview of this pull request, if it has one. */
  existing: PreviewDeploymentRow | undefined;
  /** Its previews that run (refused ones do not count). */
  running: number;
}

export const isFork = (pr: PullRequestEvent) => {
  const base = pr.base.repository.fullName;
  const head = pr.head.repository.fullName;
  return !!base && !!head && repositoryKey(base) !== repositoryKey(head);
};

export function previewAction(app: ApplicationRow, pr: PullRequestEvent, state: PreviewState): PreviewAction {
  const ignore = (reason: string): PreviewAction => ({ kind: 'ignore', reason });
  if (pr.action === 'closed') return state.existing ? { kind: 'remove' } : ignore(`pull request #${pr.number} has no preview`);
  if (pr.action === 'other') return ignore('this pull request action changes no preview');
  if (!app.isPreviewDeploymentsActive) return ignore('preview deployments are off for this application');
  const source = sourceRepository(app);
  if (!source) return ignore(`a ${app.sourceType} application has no previews`);
  if (pr.base.branch !== source.branch) return ignore(`pull request #${pr.number} targets ${pr.base.branch}, the application deploys ${source.branch ?? 'no branch'}`);
  if (source.path && pr.base.repository.fullName && repositoryKey(source.path) !== repositoryKey(pr.base.repository.fullName))
    return ignore(`pull request #${pr.number} is on ${pr.base.repository.fullName}, the application builds ${source.path}`);
  const labels = app.previewLabels?.filter(Boolean) ?? [];
  if (labels.length && !pr.labels.some((l) => labels.includes(l)))
    return ignore(`pull request #${pr.number} carries none of the labels ${labels.join(', ')}`);
  if (isFork(pr) && !app.previewAllowForks)
    return { kind: 'refuse', reason: `pull request #${pr.number} comes from the fork ${pr.head.repository.fullName}: previews of forks are off (previewAllowForks), since a preview build gets the application's secrets` };
  const live = state.existing && !state.existing.statusMessage;
  const limit = app.previewLimit ?? 3;
  if (!live && state.running >= limit)
    return { kind: 'refuse', reason: `the application already has ${state.running} preview${state.running === 1 ? '' : 's'}, its previewLimit is ${limit}` };
  return { kind: 'deploy', create: !state.existing };
}

/** `*.preview.example.com` → `<previewAppName>.preview.example.com`; without a wildcard, `<previewAppName>.<fallback>`. */
export function previewHost(wildcard: string | null, previewAppName: string, fallback: string): string {
  return (wildcard?.startsWith('*.') ? wildcard : `*.${fallback}`).replace('*', previewAppName);
}
