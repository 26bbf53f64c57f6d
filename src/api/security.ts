import { maskSecret } from '../model/dotenv.js';
import * as m from '../model/security.js';
import type { SecurityRow } from '../store/security.js';
import { rerouted } from './application-traefik.js';
import { group, mutation, query } from './procedure.js';

/** Basic-auth passwords are never returned, not even to admins (Dokploy returns them verbatim). */
const masked = (row: SecurityRow) => ({ ...row, password: maskSecret(row.password) });

export default group('security', {
  create: mutation({
    summary: "Add a basic-auth user to an application's domains",
    output: 'ok',
    input: m.securityCreate,
    description: 'Adds a basic-auth user to every domain of an application (applied at once; the file holds a bcrypt hash). Returns true, as Dokploy does.',
    handler: async (input, ctx) => {
      await rerouted(ctx, ctx.store.security.create(input));
      return true;
    },
  }),
  one: query({
    summary: 'One basic-auth user, password masked',
    output: 'security',
    input: m.securityId,
    description: 'The basic-auth user; its password is masked.',
    handler: ({ securityId }, { store }) => masked(store.security.getSecurity(securityId)),
  }),
  update: mutation({
    summary: 'Rename a basic-auth user or set its password',
    output: 'security',
    input: m.securityUpdate,
    description: 'Renames the user or sets a new password; sending the masked password back keeps the stored one.',
    handler: async (input, ctx) => masked(await rerouted(ctx, ctx.store.security.update(input))),
  }),
  delete: mutation({
    summary: 'Delete a basic-auth user',
    output: 'security',
    input: m.securityId,
    handler: async ({ securityId }, ctx) => masked(await rerouted(ctx, ctx.store.security.remove(securityId))),
  }),
});
