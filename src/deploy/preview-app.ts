import { repositoryKey } from '../model/repository.js';
import type { ApplicationRow, PreviewDeploymentRow } from '../store/schema.js';
import type { DeployableApplication } from './types.js';

/** Where the preview is served: what the app's env gets as DOKPLOY_DEPLOY_URL / BERTH_PREVIEW_URL. */
export const previewUrl = (app: ApplicationRow, host: string) => `${app.previewHttps ? 'https' : 'http'}://${host}${app.previewPath && app.previewPath !== '/' ? app.previewPath : ''}`;

/** Dotenv texts later in the list win (dotenv keeps the last of a repeated key). */
const merged = (...texts: (string | null)[]) => texts.filter((t) => t && t.trim()).join('\n') || null;

/**
 * The application as a preview job builds and runs it (PURE): its own service name, the
 * pull request's head branch (from the fork's repository when it is one), `preview*` env,
 * build args and build secrets merged over the application's (the preview's win), no
 * published ports (the domain reaches it), no registry pushes or rollback releases, one
 * replica, and none of the application's volume or bind mounts (a preview must not write to
 * production data).
 */
export function previewApplication<T extends DeployableApplication>(app: T, preview: PreviewDeploymentRow, url: string): T {
  const urls = `DOKPLOY_DEPLOY_URL=${url}\nBERTH_PREVIEW_URL=${url}`;
  const head = preview.headCloneUrl;
  const branch = { github: 'branch', gitlab: 'gitlabBranch', bitbucket: 'bitbucketBranch', gitea: 'giteaBranch', git: 'customGitBranch' } as const;
  const branchKey = branch[app.sourceType as keyof typeof branch];
  return {
    ...app,
    appName: preview.appName,
    env: merged(app.env, app.previewEnv, urls),
    buildArgs: merged(app.buildArgs, app.previewBuildArgs),
    buildSecrets: merged(app.buildSecrets, app.previewBuildSecrets),
    ...(branchKey ? { [branchKey]: preview.branch } : {}),
    ...(head && app.sourceType === 'git' ? { customGitUrl: head } : {}),
    ...(head && app.sourceType === 'github' ? forkOf(head) : {}),
    ports: [],
    mounts: app.mounts.filter((m) => m.type === 'file'),
    replicas: 1,
    registryId: null,
    rollbackActive: false,
    rollbackRegistryId: null,
  };
}

/** A GitHub fork's owner and repository from its clone URL. */
function forkOf(cloneUrl: string) {
  const [owner, repository] = repositoryKey(cloneUrl).split('/');
  return { owner, repository };
}
