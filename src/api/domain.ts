import * as m from '../model/domain.js';
import { group, mutation, query } from './procedure.js';

export default group('domain', {
  create: mutation({
    input: m.domainCreate,
    description:
      'Adds a domain to an application. The host is trimmed, lower-cased and IDN-encoded; a host and path may be routed to only one application (409).',
    handler: (input, { store }) => store.domains.create(input),
  }),
  byApplicationId: query({
    input: m.domainsOfApplication,
    handler: ({ applicationId }, { store }) => store.domains.byApplication(applicationId),
  }),
  one: query({
    input: m.domainId,
    handler: ({ domainId }, { store }) => store.domains.one(domainId),
  }),
  update: mutation({
    input: m.domainUpdate,
    description: 'Updates a domain; the https and certificate rules apply to the domain as it will be stored.',
    handler: (input, { store }) => store.domains.update(input),
  }),
  toggleEnable: mutation({
    input: m.domainId,
    description: 'Enables or disables a domain. Application routing changes without a redeploy.',
    handler: ({ domainId }, { store }) => ({ ...store.domains.toggleEnabled(domainId), requiresRedeploy: false }),
  }),
  delete: mutation({
    input: m.domainId,
    handler: ({ domainId }, { store }) => store.domains.remove(domainId),
  }),
});
