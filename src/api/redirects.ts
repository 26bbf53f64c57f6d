import * as m from '../model/redirect.js';
import { rerouted } from './application-traefik.js';
import { group, mutation, query } from './procedure.js';

export default group('redirects', {
  create: mutation({
    summary: "Add a regex redirect to an application's domains",
    output: 'ok',
    input: m.redirectCreate,
    description:
      "Adds a regex redirect to every domain of an application (applied at once). The regex is Go's RE2 syntax, as Traefik compiles it: lookarounds and backreferences are a 400, `(?i)` and `(?P<name>…)` work. Returns true, as Dokploy does.",
    handler: async (input, ctx) => {
      await rerouted(ctx, ctx.store.redirects.create(input));
      return true;
    },
  }),
  one: query({
    summary: 'One redirect',
    output: 'redirect',
    input: m.redirectId,
    handler: ({ redirectId }, { store }) => store.redirects.getRedirect(redirectId),
  }),
  update: mutation({
    summary: 'Update a redirect',
    output: 'redirect',
    input: m.redirectUpdate,
    handler: (input, ctx) => rerouted(ctx, ctx.store.redirects.update(input)),
  }),
  delete: mutation({
    summary: 'Delete a redirect',
    output: 'redirect',
    input: m.redirectId,
    handler: ({ redirectId }, ctx) => rerouted(ctx, ctx.store.redirects.remove(redirectId)),
  }),
});
