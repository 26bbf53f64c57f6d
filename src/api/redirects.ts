import * as m from '../model/redirect.js';
import { group, mutation, query } from './procedure.js';

export default group('redirects', {
  create: mutation({
    input: m.redirectCreate,
    description: 'Adds a regex redirect to every domain of an application. Returns true, as Dokploy does.',
    handler: (input, { store }) => {
      store.redirects.create(input);
      return true;
    },
  }),
  one: query({
    input: m.redirectId,
    handler: ({ redirectId }, { store }) => store.redirects.getRedirect(redirectId),
  }),
  update: mutation({
    input: m.redirectUpdate,
    handler: (input, { store }) => store.redirects.update(input),
  }),
  delete: mutation({
    input: m.redirectId,
    handler: ({ redirectId }, { store }) => store.redirects.remove(redirectId),
  }),
});
