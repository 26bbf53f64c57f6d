import { z } from 'zod';
import { ORGANIZATION_ID } from '../model/common.js';
import { notFound } from '../model/errors.js';
import * as m from '../model/api-key.js';
import { group, mutation, query } from './procedure.js';

export default group('user', {
  get: query({
    summary: "The calling token's identity and role",
    output: 'caller',
    input: z.object({}),
    description: 'The calling token\'s identity and role; for admins also every token (never their values).',
    handler: (_, { store, caller }) => ({
      id: caller.tokenId,
      userId: caller.tokenId,
      organizationId: ORGANIZATION_ID,
      role: caller.role,
      user: {
        id: caller.tokenId,
        name: caller.name,
        apiKeys: caller.role === 'admin' ? store.apiKeys.list() : [],
      },
    }),
  }),
  listApiKeys: query({
    summary: 'Every API token, never its value',
    output: 'apiKeys',
    input: z.object({}),
    access: 'admin',
    description: 'Every API token with its name, role and dates; never the token itself.',
    handler: (_, { store }) => store.apiKeys.list(),
  }),
  createApiKey: mutation({
    summary: 'Create an API token (shown once)',
    output: 'apiKeyCreated',
    input: m.apiKeyCreate,
    description: 'Creates a token. The plaintext `key` is in this answer only; Berth stores its hash.',
    handler: (input, { store }) =>
      store.apiKeys.create({
        name: input.name,
        role: input.role,
        prefix: input.prefix,
        expiresIn: input.expiresIn,
      }),
  }),
  deleteApiKey: mutation({
    summary: 'Revoke an API token',
    output: 'ok',
    input: m.apiKeyId,
    description: 'Revokes a token; the next request with it gets 401.',
    handler: ({ apiKeyId }, { store }) => {
      if (!store.apiKeys.revoke(apiKeyId)) throw notFound('API key', apiKeyId);
      return true;
    },
  }),
});
