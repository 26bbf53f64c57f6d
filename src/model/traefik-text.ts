import { createRequire } from 'node:module';
import { z } from 'zod';

/**
 * Rules for user text that lands in a Traefik dynamic file. Traefik refuses such text
 * only when it loads the file, and then silently: the domain just stops working.
 */

/**
 * The file provider runs every dynamic file through Go's text/template before parsing it,
 * and `{{` opens an action there (`}}` alone is plain text). One file that fails that pass
 * stops the whole dynamic folder from updating, for every application.
 */
export const TEMPLATE_DELIMITER = '{{';
export const TEMPLATE_REASON =
  "Traefik reads its dynamic files as Go templates, and one file that is not a valid template stops every application's routing from updating";

/** A string that is plain text to Go's text/template. */
export const templateSafe = <T extends z.ZodString>(schema: T) =>
  schema.refine((s) => !s.includes(TEMPLATE_DELIMITER), `must not contain "${TEMPLATE_DELIMITER}": ${TEMPLATE_REASON}`);

// re2js (a port of RE2 with Go's syntax) is ~260 kB of code: loaded on the first regex checked, not at start.
const load = createRequire(import.meta.url);
let re2: typeof import('re2js').RE2JS | undefined;

/**
 * Why Go's regexp package (RE2, which Traefik compiles regexes with) refuses the pattern, or
 * null when it compiles. JavaScript accepts lookarounds and backreferences RE2 has not, and
 * refuses Go's `(?i)` and `(?P<name>…)`, so a JavaScript check is wrong both ways.
 */
export function goRegexProblem(source: string): string | null {
  re2 ??= (load('re2js') as typeof import('re2js')).RE2JS;
  try {
    re2.compile(source);
    return null;
  } catch (err) {
    const { error, input } = err as { error?: string; input?: string | null };
    if (!error) throw err;
    // the constructs people bring from JavaScript or PCRE: lookarounds and backreferences
    const foreign = /^(\(\?<?[=!]|\\[1-9])/.test(input ?? '') ? '; RE2 has no lookahead, lookbehind or backreferences' : '';
    return `is not a regular expression Traefik accepts (it compiles Go's RE2 syntax): ${error}${input ? ` at \`${input}\`` : ''}${foreign}`;
  }
}

/** A regex field as Traefik compiles it. */
export const goRegex = () =>
  templateSafe(z.string().min(1)).superRefine((source, ctx) => {
    const problem = goRegexProblem(source);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
