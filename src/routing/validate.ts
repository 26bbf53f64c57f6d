import type { ValidateFunction } from 'ajv';
import { parseDocument } from 'yaml';
import { goRegexProblem, TEMPLATE_DELIMITER, TEMPLATE_REASON } from '../model/traefik-text.js';

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

/** The fields of Traefik v3's HTTP middlewares that it compiles as Go regexes (a string or a list of them). */
const REGEX_FIELDS: Record<string, string> = {
  redirectRegex: 'regex',
  replacePathRegex: 'regex',
  stripPrefixRegex: 'regex',
  forwardAuth: 'authResponseHeadersRegex',
  headers: 'accessControlAllowOriginListRegex',
};

/** Regexes of a schema-valid configuration that Go's regexp would refuse (Traefik then drops every router using the middleware). */
export function regexProblems(config: { http?: { middlewares?: Record<string, Record<string, Record<string, unknown>>> } }): Problems {
  const out: Problems = [];
  for (const [name, middleware] of Object.entries(config.http?.middlewares ?? {})) {
    for (const [kind, options] of Object.entries(middleware)) {
      const field = REGEX_FIELDS[kind];
      const value = field && options?.[field];
      const sources = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [];
      sources.forEach((source, i) => {
        const problem = goRegexProblem(String(source));
        if (problem) out.push(`/http/middlewares/${name}/${kind}/${field}${Array.isArray(value) ? `/${i}` : ''} ${problem}`);
      });
    }
  }
  return out.slice(0, MAX_PROBLEMS);
}

/**
 * Problems of YAML text: whether Traefik's template pass leaves it as it is, whether it
 * parses, whether Traefik's schema accepts it, and whether its regexes compile in Go.
 */
export async function traefikYamlProblems(text: string): Promise<Problems> {
  if (text.includes(TEMPLATE_DELIMITER)) return [`contains "${TEMPLATE_DELIMITER}" (template actions are not accepted): ${TEMPLATE_REASON}`];
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) return doc.errors.slice(0, MAX_PROBLEMS).map((e) => `not valid YAML: ${e.message.split('\n')[0]}`);
  const config = doc.toJS();
  const problems = await schemaProblems(config);
  return problems.length > 0 ? problems : regexProblems(config);
}
