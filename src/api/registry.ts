import { z } from 'zod';
import { checkRegistryLogin } from '../docker/registry-auth.js';
import { registryFetch } from '../docker/registry-fetch.js';
import { maskColumns, unlessMasked } from '../model/masking.js';
import * as m from '../model/registry.js';
import type { RegistryRow, RegistryValues } from '../store/registries.js';
import { group, mutation, query } from './procedure.js';

/** Registry passwords never leave Berth: every answer carries the mask instead. */
const masked = (row: RegistryRow) => maskColumns(row, ['password']);

export default group('registry', {
  create: mutation({
    summary: 'Add a registry after logging in to it',
    output: 'registry',
    input: m.registryCreate,
    description: 'Logs in to the registry (Registry HTTP API v2, as `docker login` does) and stores it only if that succeeds; 400 with the reason otherwise. The password is stored encrypted and answered masked.',
    handler: async ({ serverId, ...values }, { store, config }) => {
      m.assertLocalServer(serverId);
      await checkRegistryLogin(values, { fetch: registryFetch(config.registryCa) });
      return masked(store.registries.create(values));
    },
  }),
  remove: mutation({
    summary: 'Delete a registry',
    output: 'registry',
    input: m.registryId,
    description: 'Deletes the registry; applications that used it keep running and stop pushing to it.',
    handler: ({ registryId }, { store }) => masked(store.registries.remove(registryId)),
  }),
  update: mutation({
    summary: "Update a registry's settings or credentials",
    output: 'ok',
    input: m.registryUpdate,
    description: 'Updates the given fields; a changed username, password or URL is logged in again first (400 if that fails, nothing written). `createdAt` and `organizationId` are accepted and ignored; a password equal to the mask keeps the stored one.',
    handler: async (input, { store, config }) => {
      m.assertLocalServer(input.serverId);
      const current = store.registries.get(input.registryId);
      const set: Partial<RegistryValues> = {
        registryName: input.registryName,
        imagePrefix: input.imagePrefix,
        username: input.username,
        password: unlessMasked(input.password),
        registryUrl: input.registryUrl,
        registryType: input.registryType,
      };
      const login = {
        username: set.username ?? current.username,
        password: set.password ?? current.password,
        registryUrl: set.registryUrl ?? current.registryUrl,
      };
      if (login.username !== current.username || login.password !== current.password || login.registryUrl !== current.registryUrl)
        await checkRegistryLogin(login, { fetch: registryFetch(config.registryCa) });
      store.registries.update(input.registryId, set);
      return true;
    },
  }),
  all: query({
    summary: 'Every registry, passwords masked',
    output: 'registries',
    input: z.object({}),
    description: 'Every registry, newest first, passwords masked.',
    handler: (_, { store }) => store.registries.all().map(masked),
  }),
  one: query({
    summary: 'One registry, password masked',
    output: 'registry',
    input: m.registryId,
    description: 'One registry, password masked.',
    handler: ({ registryId }, { store }) => masked(store.registries.get(registryId)),
  }),
  testRegistry: mutation({
    summary: 'Try registry credentials without storing them',
    output: 'ok',
    input: m.registryTest,
    description: 'Logs in with the given credentials without storing anything: true, or 400 with the reason.',
    handler: async ({ serverId, ...login }, { config }) => {
      m.assertLocalServer(serverId);
      await checkRegistryLogin(login, { fetch: registryFetch(config.registryCa) });
      return true;
    },
  }),
  testRegistryById: mutation({
    summary: "Try a stored registry's credentials",
    output: 'ok',
    input: m.registryTestById,
    description: 'Logs in with a stored registry\'s credentials: true, or 400 with the reason.',
    handler: async ({ registryId, serverId }, { store, config }) => {
      m.assertLocalServer(serverId);
      // Present: the schema refuses a call without it.
      await checkRegistryLogin(store.registries.get(registryId!), { fetch: registryFetch(config.registryCa) });
      return true;
    },
  }),
});
