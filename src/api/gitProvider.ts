import { z } from 'zod';
import * as m from '../model/git-provider.js';
import type { GitProviderWithDetails } from '../store/git-providers.js';
import { group, mutation, query } from './procedure.js';

/** What `getAll` shows of each provider: ids, names, URLs and whether it is usable; never a credential. */
function summary(p: GitProviderWithDetails) {
  const { github: gh, gitlab: gl, bitbucket: bb, gitea: gt, ...row } = p;
  return {
    ...row,
    // One organization, and only admins manage providers: every caller owns every provider.
    isOwner: true,
    github: gh && {
      githubId: gh.githubId,
      githubAppName: gh.githubAppName,
      githubAppId: gh.githubAppId,
      githubInstallationId: gh.githubInstallationId,
      githubUrl: gh.githubUrl,
      isConfigured: m.isConfigured.github(gh),
    },
    gitlab: gl && { gitlabId: gl.gitlabId, applicationId: gl.applicationId, gitlabUrl: gl.gitlabUrl, isConfigured: m.isConfigured.gitlab(gl) },
    bitbucket: bb && {
      bitbucketId: bb.bitbucketId,
      bitbucketUsername: bb.bitbucketUsername,
      isConfigured: m.isConfigured.bitbucket(bb),
      // App passwords are retired by Bitbucket: such providers need an API token.
      isDeprecated: !!(bb.appPassword && !bb.apiToken),
    },
    gitea: gt && { giteaId: gt.giteaId, giteaUrl: gt.giteaUrl, clientId: gt.clientId, isConfigured: m.isConfigured.gitea(gt) },
  };
}

export default group('gitProvider', {
  getAll: query({
    summary: 'Every git provider, without credentials',
    output: 'gitProviderSummaries',
    input: z.object({}),
    description: 'Every git provider, newest first, with a credential-free summary of its GitHub/GitLab/Bitbucket/Gitea settings (the other kinds null).',
    handler: (_, { store }) => store.gitProviders.all().map(summary),
  }),
  toggleShare: mutation({
    summary: 'Share a git provider with the organization or not',
    output: 'gitProvider',
    input: m.gitProviderToggleShare,
    handler: ({ gitProviderId, sharedWithOrganization }, { store }) => store.gitProviders.toggleShare(gitProviderId, sharedWithOrganization),
  }),
  allForPermissions: query({
    summary: 'Git provider names and kinds',
    output: 'gitProviderNames',
    input: z.object({}),
    handler: (_, { store }) => store.gitProviders.all().map(({ gitProviderId, name, providerType }) => ({ gitProviderId, name, providerType })),
  }),
  remove: mutation({
    summary: 'Delete a git provider',
    output: 'gitProvider',
    input: m.gitProviderId,
    description: 'Deletes the git provider and its GitHub/GitLab/Bitbucket/Gitea settings.',
    handler: ({ gitProviderId }, { store }) => store.gitProviders.remove(gitProviderId),
  }),
});
