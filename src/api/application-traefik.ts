import { applicationId as oneApplication } from '../model/application.js';
import { BerthError } from '../model/errors.js';
import { traefikConfigUpdate } from '../model/traefik-config.js';
import { readTraefikFile, removeTraefikFile, writeTraefikFile } from '../routing/files.js';
import { syncTraefikFile } from '../routing/sync.js';
import { traefikYamlProblems } from '../routing/validate.js';
import { group, mutation, query, type Context } from './procedure.js';

/**
 * After a change to a domain, redirect or basic-auth user: the application's Traefik file
 * follows it before the caller gets its answer (and an edit made by hand is replaced).
 */
export async function rerouted<T extends { applicationId: string | null }>({ store, config }: Context, row: T): Promise<T> {
  if (row.applicationId) await syncTraefikFile(config, store.routing, row.applicationId);
  return row;
}

/** After `application.delete`: the deleted application's file goes too (Traefik would route to a missing service). */
export function withoutTraefikFile<T extends { appName: string }>({ config }: Pick<Context, 'config'>, deleted: T): T {
  removeTraefikFile(config.dataDir, deleted.appName);
  return deleted;
}

const EDIT_LASTS = "The edit lasts until the application's domains, redirects or basic-auth users change: Berth then renders the file from them again.";

export default group('application', {
  readTraefikConfig: query({
    summary: "The application's Traefik file (YAML), or null",
    output: 'optionalText',
    input: oneApplication,
    description: "The application's Traefik dynamic configuration (YAML, as Traefik reads it), or null when it has no enabled domain.",
    handler: ({ applicationId }, { store, config }) => readTraefikFile(config.dataDir, store.applications.get(applicationId).appName),
  }),
  updateTraefikConfig: mutation({
    summary: "Replace the application's Traefik file with checked YAML",
    output: 'ok',
    input: traefikConfigUpdate,
    description: `Replaces the application's Traefik file with the given YAML. YAML that does not parse, that Traefik v3's file provider would refuse (checked against its JSON schema), whose regexes (middlewares, router rules) Go's RE2 does not compile, or that contains "{{" (Traefik's Go-template pass) is a 400 and the file stays as it was. ${EDIT_LASTS}`,
    handler: async ({ applicationId, traefikConfig }, { store, config }) => {
      const { appName } = store.applications.get(applicationId);
      const problems = await traefikYamlProblems(traefikConfig);
      if (problems.length > 0)
        throw new BerthError(
          'BAD_REQUEST',
          `traefikConfig is not a Traefik v3 dynamic configuration: ${problems.join('; ')}`,
          problems.map((message) => ({ path: ['traefikConfig'], message, code: 'custom' })),
        );
      writeTraefikFile(config.dataDir, appName, traefikConfig);
      return true;
    },
  }),
});
