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

/** An argument of a rule matcher: `raw` or "quoted". */
const QUOTED = '`[^`]*`|"(?:[^"\\\\]|\\\\.)*"';
/**
 * Matchers of Traefik v3's rule syntax whose last argument is a Go regex, with their
 * arguments. One way only to match an argument list (commas between), so a long bad rule
 * cannot make it backtrack.
 */
const REGEX_MATCHER = new RegExp(`\\b(HostRegexp|PathRegexp|HeaderRegexp|QueryRegexp|HostSNIRegexp)\\(\\s*((?:${QUOTED})(?:\\s*,\\s*(?:${QUOTED}))*)\\s*\\)`, 'g');
const ARGUMENT = /`([^`]*)`|"((?:[^"\\]|\\.)*)"/g;

/** The regexes of a rule's matchers; a quoted argument whose escapes JSON does not share is left to Traefik. */
function ruleRegexes(rule: string): { matcher: string; source: string }[] {
  return [...rule.matchAll(REGEX_MATCHER)].flatMap(([, matcher, args]) => {
    const [raw, quoted] = [...args.matchAll(ARGUMENT)].at(-1)!.slice(1);
    if (raw !== undefined) return [{ matcher, source: raw }];
    try {
      return [{ matcher, source: JSON.parse(`"${quoted}"`) as string }];
    } catch {
      return [];
    }
  });
}

type Section = { routers?: Record<string, { rule?: unknown; ruleSyntax?: unknown }>; middlewares?: Record<string, Record<string, Record<string, unknown>>> };

/**
 * Regexes of a schema-valid configuration that Go's regexp would refuse: in middlewares
 * (Traefik then drops every router using the middleware) and in router rules (it drops the router).
 */
export function regexProblems(config: { http?: Section; tcp?: Section }): Problems {
  const out: Problems = [];
  const check = (where: string, source: string) => {
    const problem = goRegexProblem(source);
    if (problem) out.push(`${where} ${problem}`);
  };
  for (const [name, middleware] of Object.entries(config.http?.middlewares ?? {})) {
    for (const [kind, options] of Object.entries(middleware)) {
      const field = REGEX_FIELDS[kind];
      const value = field && options?.[field];
      if (typeof value === 'string') check(`/http/middlewares/${name}/${kind}/${field}`, value);
      if (Array.isArray(value)) value.forEach((source, i) => check(`/http/middlewares/${name}/${kind}/${field}/${i}`, String(source)));
    }
  }
  for (const section of ['http', 'tcp'] as const) {
    for (const [name, router] of Object.entries(config[section]?.routers ?? {})) {
      // the v2 syntax writes regexes differently (`{name:regex}`): left to Traefik
      if (typeof router.rule !== 'string' || router.ruleSyntax === 'v2') continue;
      for (const { matcher, source } of ruleRegexes(router.rule)) check(`/${section}/routers/${name}/rule ${matcher}`, source);
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
