import { badRequest } from './errors.js';

/**
 * Dokploy's references inside an application's env values (and build args), resolved at
 * deploy time: `${{project.KEY}}` (the project's variables), `${{environment.KEY}}` (the
 * environment's) and `${{KEY}}` (another key of the same text). As in Dokploy
 * (`prepareEnvironmentVariables`): an unknown reference fails the deploy, there is no escape
 * syntax, a `${{` with no `}}` after it on the same line is plain text, and project or
 * environment variables reach the app only through a reference.
 *
 * Unlike Dokploy, `${{KEY}}` gives KEY's resolved value (Dokploy inserts KEY's raw text, so
 * `B=${{A}}` with `A=${{project.X}}` ended up as the literal `${{project.X}}`), and a cycle is
 * an error that names it. Values taken from the project or environment are inserted as they
 * are, never scanned again.
 */

/** `${{…}}` on one line; the innermost one when they nest, so `${{x ${{project.A}}` keeps its `${{x `. */
const REFERENCE = /\$\{\{((?:(?!\$\{\{)[^\n])*?)\}\}/g;

const scoped = (ref: string, scope: 'project' | 'environment') => (ref.startsWith(`${scope}.`) ? ref.slice(scope.length + 1) : undefined);

/** The keys of the same text a value refers to. */
function selfReferences(value: string): string[] {
  return [...value.matchAll(REFERENCE)].map((m) => m[1]).filter((ref) => scoped(ref, 'project') === undefined && scoped(ref, 'environment') === undefined);
}

/**
 * `appEnv` with every reference replaced. `label` names the text in errors ("environment
 * variables", "build arguments"). Throws a BAD_REQUEST BerthError naming the variable and
 * the reference that cannot be resolved, or the cycle.
 */
export function interpolateEnv(
  appEnv: Record<string, string>,
  environmentEnv: Record<string, string>,
  projectEnv: Record<string, string>,
  label = 'environment variables',
): Record<string, string> {
  const resolved = new Map<string, string>();

  const lookup = (key: string, ref: string): string => {
    const fromProject = scoped(ref, 'project');
    if (fromProject !== undefined) {
      if (Object.hasOwn(projectEnv, fromProject)) return projectEnv[fromProject];
      throw badRequest(`Invalid project environment variable: project.${fromProject} (referenced by ${key}): the project has no variable "${fromProject}"`);
    }
    const fromEnvironment = scoped(ref, 'environment');
    if (fromEnvironment !== undefined) {
      if (Object.hasOwn(environmentEnv, fromEnvironment)) return environmentEnv[fromEnvironment];
      throw badRequest(`Invalid environment variable: environment.${fromEnvironment} (referenced by ${key}): the environment has no variable "${fromEnvironment}"`);
    }
    if (ref.startsWith('vault.')) throw badRequest(`${key} references \${{${ref}}}: vault references are not supported by Berth`);
    if (Object.hasOwn(appEnv, ref)) return resolved.get(ref)!;
    throw badRequest(
      `Invalid service environment variable: ${ref} (referenced by ${key}): the application's ${label} have no "${ref}"; ` +
        'write ${{project.' + ref + '}} or ${{environment.' + ref + "}} for the project's or the environment's",
    );
  };

  // Depth-first over self-references with an explicit stack (a long chain cannot overflow the call stack).
  for (const root of Object.keys(appEnv)) {
    const path: string[] = [];
    const onPath = new Set<string>();
    let next: string | undefined = root;
    while (next !== undefined || path.length) {
      if (next !== undefined) {
        if (resolved.has(next)) next = undefined;
        else if (onPath.has(next)) throw badRequest(`Circular reference in the application's ${label}: ${[...path.slice(path.indexOf(next)), next].join(' → ')}`);
        else {
          path.push(next);
          onPath.add(next);
        }
      }
      const key = path.at(-1);
      if (key === undefined) break;
      next = selfReferences(appEnv[key]).find((ref) => Object.hasOwn(appEnv, ref) && !resolved.has(ref));
      if (next === undefined) {
        resolved.set(key, appEnv[key].replace(REFERENCE, (_, ref: string) => lookup(key, ref)));
        onPath.delete(path.pop()!);
      }
    }
  }
  return Object.fromEntries(Object.keys(appEnv).map((k) => [k, resolved.get(k)!]));
}
