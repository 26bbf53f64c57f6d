/**
 * Builders that run an optional CLI (nixpacks, pack, railpack) check for it before doing
 * anything, so a deployment fails at once with a sentence an operator can act on.
 */
import fs from 'node:fs';
import path from 'node:path';
import { childEnv } from '../exec.js';
import type { JobContext } from '../types.js';

/** Whether `tool` is an executable in one of `PATH`'s folders (the PATH builds run with). */
export function isInstalled(tool: string, PATH = childEnv().PATH): boolean {
  return PATH.split(':').some((dir) => {
    try {
      fs.accessSync(path.join(dir || '.', tool), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export function requireTool(tool: string, PATH?: string): void {
  if (!isInstalled(tool, PATH)) throw new Error(`${tool} is not installed on this server`);
}

/** `--env K=V` for each runtime env variable: how nixpacks, pack and railpack take build-time env (pure). */
export const envFlags = (env: Record<string, string>) => Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`]);

export const runtimeEnv = (ctx: JobContext) => ctx.vars.env;
