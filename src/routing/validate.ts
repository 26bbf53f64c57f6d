import type { ValidateFunction } from 'ajv';
import { parseDocument } from 'yaml';

/**
 * Checks a Traefik dynamic configuration against Traefik v3's file-provider schema (a copy
 * of SchemaStore's, beside this file). Ajv and the 77 kB schema load on first use: most
 * starts of Berth never need them, and start-up stays short.
 */
let compiled: Promise<ValidateFunction> | undefined;

function validator(): Promise<ValidateFunction> {
  return (compiled ??= (async () => {
    const [{ Ajv }, schema] = await Promise.all([
      import('ajv'),
      import('./traefik-v3-file-provider.schema.json', { with: { type: 'json' } }),
    ]);
    // SchemaStore schemas carry editor-only keywords (markdownDescription…): not strict.
    return new Ajv({ strict: false, allErrors: true }).compile(schema.default);
  })());
}

/** Why a configuration is not one Traefik accepts: one line per problem, at most a few. */
export type Problems = string[];

const MAX_PROBLEMS = 5;

/** Problems of an already parsed configuration, or [] when the schema accepts it. */
export async function schemaProblems(config: unknown): Promise<Problems> {
  const validate = await validator();
  if (validate(config)) return [];
  const lines = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}${'additionalProperty' in e.params ? ` ("${e.params.additionalProperty}")` : ''}`);
  return [...new Set(lines)].slice(0, MAX_PROBLEMS);
}

/** Problems of YAML text: first whether it parses, then whether Traefik would accept it. */
export async function traefikYamlProblems(text: string): Promise<Problems> {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) return doc.errors.slice(0, MAX_PROBLEMS).map((e) => `not valid YAML: ${e.message.split('\n')[0]}`);
  return schemaProblems(doc.toJS());
}
