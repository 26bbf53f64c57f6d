/**
 * Where in a fetched tree a build happens. Every path an application names (build path,
 * Dockerfile, context, publish directory) is resolved inside the tree and refused if it
 * leaves it, also through a symbolic link in the repository.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ApplicationRow } from '../../store/schema.js';
import { BUILD_DEFAULTS } from '../../model/build-defaults.js';

/** The column holding the build path of each source kind (Dokploy's `getBuildAppDirectory`). */
const BUILD_PATH: Record<ApplicationRow['sourceType'], keyof ApplicationRow | null> = {
  github: 'buildPath',
  gitlab: 'gitlabBuildPath',
  bitbucket: 'bitbucketBuildPath',
  gitea: 'giteaBuildPath',
  git: 'customGitBuildPath',
  drop: 'dropBuildPath',
  docker: null,
};

export const buildPathOf = (app: ApplicationRow): string => {
  const column = BUILD_PATH[app.sourceType];
  return (column && (app[column] as string | null)) || BUILD_DEFAULTS.buildPath;
};

/**
 * `rel` resolved from `base` (a leading `/` means the tree's root), as a real path that
 * exists inside `root`.
 */
export async function within(root: string, base: string, rel: string, what: string): Promise<string> {
  const realRoot = await fs.realpath(root);
  const inside = (p: string) => p === realRoot || p.startsWith(realRoot + path.sep);
  const target = rel.startsWith('/') ? path.join(realRoot, rel) : path.resolve(await fs.realpath(base), rel);
  if (!inside(path.resolve(target))) throw new Error(`the ${what} "${rel}" is outside the source`);
  let real: string;
  try {
    real = await fs.realpath(target);
  } catch {
    throw new Error(`the ${what} "${rel}" does not exist in the source`);
  }
  if (!inside(real)) throw new Error(`the ${what} "${rel}" leads outside the source (symbolic link)`);
  return real;
}

/** The build folder of `app` in the fetched tree at `root`. */
export const buildDirOf = async (app: ApplicationRow, root: string) => within(root, root, buildPathOf(app), 'build path');
