import { maskSecret } from '../model/dotenv.js';
import * as m from '../model/security.js';
import type { SecurityRow } from '../store/security.js';
import { group, mutation, query } from './procedure.js';

/** Basic-auth passwords are never returned, not even to admins (Dokploy returns them verbatim). */
const masked = (row: SecurityRow) => ({ ...row, password: maskSecret(row.password) });

export default group('security', {
  create: mutation({
    input: m.securityCreate,
    description: 'Adds a basic-auth user to every domain of an application. Returns true, as Dokploy does.',
    handler: (input, { store }) => {
      store.security.create(input);
      return true;
    },
  }),
  one: query({
    input: m.securityId,
    description: 'The basic-auth user; its password is masked.',
    handler: ({ securityId }, { store }) => masked(store.security.getSecurity(securityId)),
  }),
  update: mutation({
    input: m.securityUpdate,
    description: 'Renames the user or sets a new password; sending the masked password back keeps the stored one.',
    handler: (input, { store }) => masked(store.security.update(input)),
  }),
  delete: mutation({
    input: m.securityId,
    handler: ({ securityId }, { store }) => masked(store.security.remove(securityId)),
  }),
});
