import { z } from 'zod';
import * as m from '../model/git-provider.js';
import type { WithGitProvider } from '../store/git-providers.js';
import { group, mutation, query } from './procedure.js';

const masked = (row: WithGitProvider<'github'>) => m.maskProvider('github', row);

export default group('github', {
  create: mutation({
    summary: "Store an existing GitHub App's credentials",
    output: 'github',
    input: m.githubCreate,
    description:
      'Berth extension (Dokploy has no `github.create`: it registers GitHub Apps through the App-manifest redirect flow on github.com). Stores the credentials of an existing GitHub App; it is listed by `github.githubProviders` once `githubAppId`, `githubInstallationId` and `githubPrivateKey` are set. Secrets are stored encrypted and answered masked.',
    handler: ({ name, ...values }, { store, caller }) => masked(store.gitProviders.create('github', { name, userId: caller.tokenId, values })),
  }),
  one: query({
    summary: 'One GitHub provider, secrets masked',
    output: 'github',
    input: m.githubId,
    description: 'The GitHub App settings with their git provider; client secret, private key and webhook secret masked.',
    handler: ({ githubId }, { store }) => masked(store.gitProviders.get('github', githubId)),
  }),
  githubProviders: query({
    summary: 'GitHub providers ready to use',
    output: 'githubProviders',
    input: z.object({}),
    description: 'GitHub providers whose App credentials are complete.',
    handler: (_, { store }) =>
      store.gitProviders
        .list('github')
        .filter(m.isConfigured.github)
        .map(({ githubId, githubUrl, gitProvider }) => ({ githubId, githubUrl, gitProvider })),
  }),
  update: mutation({
    summary: 'Rename a GitHub provider',
    output: 'nothing',
    input: m.githubUpdate,
    description: 'Renames the provider and sets the App name; `gitProviderId` must be this provider\'s.',
    handler: ({ githubId, gitProviderId, name, githubAppName }, { store }) => {
      store.gitProviders.update('github', githubId, { gitProviderId, name, values: { githubAppName } });
      return undefined;
    },
  }),
});
