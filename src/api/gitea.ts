import { z } from 'zod';
import * as m from '../model/git-provider.js';
import type { WithGitProvider } from '../store/git-providers.js';
import { group, mutation, query } from './procedure.js';

const masked = (row: WithGitProvider<'gitea'>) => m.maskProvider('gitea', row);

export default group('gitea', {
  create: mutation({
    summary: 'Create a Gitea provider',
    output: 'giteaCreated',
    input: m.giteaCreate,
    description: 'Creates a Gitea provider from an OAuth application (or with its tokens); usable once it holds an access and a refresh token. `giteaUsername` and `organizationName` are not stored; `gitProviderId` and `giteaId` are ignored. Secrets are stored encrypted.',
    handler: ({ name, giteaUsername: _u, organizationName: _o, gitProviderId: _g, giteaId: _i, ...values }, { store, caller }) => {
      const row = store.gitProviders.create('gitea', { name, userId: caller.tokenId, values });
      return { giteaId: row.giteaId, clientId: row.clientId, giteaUrl: row.giteaUrl };
    },
  }),
  one: query({
    summary: 'One Gitea provider, secrets masked',
    output: 'gitea',
    input: m.giteaId,
    description: 'The Gitea settings with their git provider; client secret and tokens masked.',
    handler: ({ giteaId }, { store }) => masked(store.gitProviders.get('gitea', giteaId)),
  }),
  giteaProviders: query({
    summary: 'Gitea providers ready to use',
    output: 'giteaProviders',
    input: z.object({}),
    description: 'Gitea providers that hold their OAuth tokens.',
    handler: (_, { store }) =>
      store.gitProviders
        .list('gitea')
        .filter(m.isConfigured.gitea)
        .map(({ giteaId, gitProvider }) => ({ giteaId, gitProvider })),
  }),
  update: mutation({
    summary: 'Update a Gitea provider',
    output: 'success',
    input: m.giteaUpdate,
    description: 'Updates the provider; `gitProviderId` must be this provider\'s, and a secret sent back as the mask keeps the stored one.',
    handler: ({ giteaId, gitProviderId, name, giteaUsername: _u, organizationName: _o, ...values }, { store }) => {
      store.gitProviders.update('gitea', giteaId, { gitProviderId, name, values: m.withoutMasks('gitea', values) });
      return { success: true };
    },
  }),
  getGiteaUrl: query({
    summary: "A Gitea provider's URL",
    output: 'text',
    input: m.giteaId,
    handler: ({ giteaId }, { store }) => store.gitProviders.get('gitea', giteaId).giteaUrl,
  }),
});
