import { z } from 'zod';
import * as m from '../model/git-provider.js';
import type { WithGitProvider } from '../store/git-providers.js';
import { group, mutation, query } from './procedure.js';

const masked = (row: WithGitProvider<'bitbucket'>) => m.maskProvider('bitbucket', row);

export default group('bitbucket', {
  create: mutation({
    summary: 'Create a Bitbucket provider',
    output: 'nothing',
    input: m.bitbucketCreate,
    description: 'Creates a Bitbucket provider (username or email with an API token or app password). `authId` is required and not stored; `gitProviderId` and `bitbucketId` are ignored. Credentials are stored encrypted.',
    handler: ({ name, authId: _authId, gitProviderId: _gitProviderId, bitbucketId: _bitbucketId, ...values }, { store, caller }) => {
      store.gitProviders.create('bitbucket', { name, userId: caller.tokenId, values });
      return undefined;
    },
  }),
  one: query({
    summary: 'One Bitbucket provider, secrets masked',
    output: 'bitbucket',
    input: m.bitbucketId,
    description: 'The Bitbucket settings with their git provider; app password and API token masked.',
    handler: ({ bitbucketId }, { store }) => masked(store.gitProviders.get('bitbucket', bitbucketId)),
  }),
  bitbucketProviders: query({
    summary: 'Bitbucket providers ready to use',
    output: 'bitbucketProviders',
    input: z.object({}),
    description: 'Bitbucket providers whose credentials are complete.',
    handler: (_, { store }) =>
      store.gitProviders
        .list('bitbucket')
        .filter(m.isConfigured.bitbucket)
        .map(({ bitbucketId, gitProvider }) => ({ bitbucketId, gitProvider })),
  }),
  update: mutation({
    summary: 'Update a Bitbucket provider',
    output: 'bitbucket',
    input: m.bitbucketUpdate,
    description: 'Updates the provider and answers its settings (credentials masked). `gitProviderId` must be this provider\'s; `organizationId` is ignored; a credential sent back as the mask keeps the stored one.',
    handler: ({ bitbucketId, gitProviderId, name, organizationId: _organizationId, ...values }, { store }) =>
      masked(store.gitProviders.update('bitbucket', bitbucketId, { gitProviderId, name, values: m.withoutMasks('bitbucket', values) })),
  }),
});
