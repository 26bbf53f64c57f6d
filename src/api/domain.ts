import { randomBytes } from 'node:crypto';
import * as m from '../model/domain.js';
import { BerthError } from '../model/errors.js';
import { rejectViolations } from '../model/record-rules.js';
import { checkDomain } from '../routing/dns-check.js';
import { edgeEntrypoints } from '../routing/edge-spec.js';
import { rerouted } from './application-traefik.js';
import { group, mutation, query, type Context } from './procedure.js';

const GENERATE_ATTEMPTS = 5;

/** A router on an entry point Traefik does not define is dropped by it: refuse the name instead. */
function definedEntrypoint<T extends { customEntrypoint?: string | null }>(input: T, { config }: Context): T {
  const known = edgeEntrypoints(config.edge.extraEntrypoints);
  if (input.customEntrypoint && !known.includes(input.customEntrypoint))
    rejectViolations([
      { field: 'customEntrypoint', message: `"${input.customEntrypoint}" is not an entry point of Berth's Traefik, which has ${known.join(', ')} (BERTH_EXTRA_ENTRYPOINTS declares more)` },
    ]);
  return input;
}

export default group('domain', {
  create: mutation({
    summary: 'Add a domain to an application',
    output: 'domain',
    input: m.domainCreate,
    description:
      'Adds a domain to an application and rewrites its Traefik file. The host is trimmed, lower-cased and IDN-encoded; a host and path may be routed to only one application (409). `customEntrypoint` must be an entry point of Berth\'s Traefik: `web`, `websecure` or one declared in BERTH_EXTRA_ENTRYPOINTS (else 400).',
    handler: (input, ctx) => rerouted(ctx, ctx.store.domains.create(definedEntrypoint(input, ctx))),
  }),
  byApplicationId: query({
    summary: "An application's domains",
    output: 'domains',
    input: m.domainsOfApplication,
    handler: ({ applicationId }, { store }) => store.domains.byApplication(applicationId),
  }),
  one: query({
    summary: 'One domain',
    output: 'domainOne',
    input: m.domainId,
    handler: ({ domainId }, { store }) => store.domains.one(domainId),
  }),
  update: mutation({
    summary: 'Update a domain',
    output: 'domain',
    input: m.domainUpdate,
    description: "Updates a domain and rewrites its application's Traefik file; the https and certificate rules apply to the domain as it will be stored.",
    handler: (input, ctx) => rerouted(ctx, ctx.store.domains.update(definedEntrypoint(input, ctx))),
  }),
  toggleEnable: mutation({
    summary: 'Enable or disable a domain',
    output: 'domainToggled',
    input: m.domainId,
    description: 'Enables or disables a domain. Application routing changes without a redeploy: a disabled domain has no router.',
    handler: async ({ domainId }, ctx) => ({ ...(await rerouted(ctx, ctx.store.domains.toggleEnabled(domainId))), requiresRedeploy: false }),
  }),
  delete: mutation({
    summary: 'Delete a domain',
    output: 'domain',
    input: m.domainId,
    description: "Deletes a domain and its routers; the application's Traefik file goes with its last enabled domain.",
    handler: ({ domainId }, ctx) => rerouted(ctx, ctx.store.domains.remove(domainId)),
  }),
  generateDomain: mutation({
    summary: 'A free generated host for an application',
    output: 'text',
    input: m.generateDomainInput,
    description:
      'A free host for the application: `<appName>-<6 hex>[-<server IP with dashes>].<wildcard>` (BERTH_DOMAIN_WILDCARD, default traefik.me; the IP part when BERTH_SERVER_IP is set), used by no domain yet. Nothing is stored: pass it to domain.create.',
    handler: ({ appName }, { store, config }) => {
      for (let i = 0; i < GENERATE_ATTEMPTS; i++) {
        const host = m.generatedHost(appName, randomBytes(3).toString('hex'), config.domains.wildcard, config.domains.serverIp);
        if (!store.routing.hostTaken(host)) return host;
      }
      throw new BerthError('CONFLICT', 'Could not find a free generated host; retry');
    },
  }),
  canGenerateTraefikMeDomains: query({
    summary: "The server's public IP for generated hosts",
    output: 'text',
    input: m.serverOfDomains,
    description: 'The server\'s public IP (BERTH_SERVER_IP), or "" when it is not set; generated domains then resolve to 127.0.0.1 on traefik.me.',
    handler: (_input, { config }) => config.domains.serverIp,
  }),
  validateDomain: mutation({
    summary: "Check a domain's DNS points at this server",
    output: 'domainCheck',
    input: m.validateDomainInput,
    description:
      "Looks up the domain's A records in public DNS (a few seconds at most) and tells whether they point at `serverIp` (default BERTH_SERVER_IP; any address when neither is set). A lookup failure is an answer (`isValid: false` with the reason), not an error.",
    handler: ({ domain, serverIp }, { config }) => checkDomain(domain, serverIp || config.domains.serverIp || undefined),
  }),
});
