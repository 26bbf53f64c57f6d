import { z } from 'zod';
import * as m from '../model/git-provider.js';
import type { WithGitProvider } from '../store/git-providers.js';
import { group, mutation, query } from './procedure.js';

const masked = (row: WithGitProvider<'gitlab'>) => m.maskProvider('gitlab', row);

export default group('gitlab', {
  create: mutation({
    summary: 'Create a GitLab provider',
    output: 'nothing',
    input: m.gitlabCreate,
    description: 'Creates a GitLab provider from an OAuth application; it becomes usable once the OAuth flow has stored its tokens. `authId` is required and not stored; `gitProviderId` is ignored.',
    handler: ({ name, authId: _authId, gitProviderId: _gitProviderId, ...values }, { store, caller }) => {
      store.gitProviders.create('gitlab', { name, userId: caller.tokenId, values });
      return undefined;
    },
  }),
  one: query({
    summary: 'One GitLab provider, secrets masked',
    output: 'gitlab',
    input: m.gitlabId,
    description: 'The GitLab settings with their git provider; secret and tokens masked.',
    handler: ({ gitlabId }, { store }) => masked(store.gitProviders.get('gitlab', gitlabId)),
  }),
  gitlabProviders: query({
    summary: 'GitLab providers ready to use',
    output: 'gitlabProviders',
    input: z.object({}),
    description: 'GitLab providers that hold their OAuth tokens.',
    handler: (_, { store }) =>
      store.gitProviders
        .list('gitlab')
        .filter(m.isConfigured.gitlab)
        .map(({ gitlabId, gitProvider, gitlabUrl }) => ({ gitlabId, gitProvider, gitlabUrl })),
  }),
  update: mutation({
    summary: 'Update a GitLab provider',
    output: 'nothing',
    input: m.gitlabUpdate,
    description: 'Updates the provider; `gitProviderId` must be this provider\'s, and a secret sent back as the mask keeps the stored one.',
    handler: ({ gitlabId, gitProviderId, name, ...values }, { store }) => {
      store.gitProviders.update('gitlab', gitlabId, { gitProviderId, name, values: m.withoutMasks('gitlab', values) });
      return undefined;
    },
  }),
});
