import fs from 'node:fs/promises';
import path from 'node:path';
import type { PushRegistry } from './image-distribution.js';
import { dockerConfigJson } from './sources/docker.js';
import { parseImageRef } from './sources/image-ref.js';
import type { JobContext } from './types.js';

/**
 * The `pushing` stage: a built image goes to a registry (the application's `registryId`,
 * so other swarm nodes can pull what they run, or its rollback registry, so a rollback
 * works on any node). Login lives in a per-job docker config, never the server's own.
 */

/** `<registryUrl>/<imagePrefix|username>/<appName>:<tag>` as Dokploy names it, lower-cased path (pure). */
export function registryImageOf(registry: Pick<PushRegistry, 'registryUrl' | 'imagePrefix' | 'username'>, appName: string, tag: string): string {
  const prefix = (registry.imagePrefix || registry.username).toLowerCase();
  const repo = [registry.registryUrl, prefix, appName].filter(Boolean).join('/');
  return `${repo}:${tag}`;
}

/** `docker tag` then `docker --config <dir> push` (pure). */
export const pushCommands = (docker: string, configDir: string, local: string, remote: string) => [
  [docker, 'tag', local, remote],
  [docker, '--config', configDir, 'push', remote],
];

/** Runs `fn` with a per-job docker config that logs in to `registry` for `image`; the password is redacted from the log. */
async function withLogin(ctx: JobContext, registry: PushRegistry, image: string, fn: (configDir: string) => Promise<void>): Promise<void> {
  ctx.log.secret?.(registry.password);
  const configDir = path.join(ctx.workDir, 'registry-config');
  await fs.mkdir(configDir, { recursive: true, mode: 0o700 });
  try {
    await fs.writeFile(path.join(configDir, 'config.json'), dockerConfigJson(parseImageRef(image), registry), { mode: 0o600 });
    await fn(configDir);
  } finally {
    await fs.rm(configDir, { recursive: true, force: true });
  }
}

/**
 * Pushes `local` as `remote` with the registry's login. A failed push throws with the
 * registry's own last words ("unauthorized: authentication required", "connection refused"),
 * which become the deployment's error.
 */
export function pushImage(ctx: JobContext, docker: string, registry: PushRegistry, local: string, remote: string): Promise<void> {
  return withLogin(ctx, registry, remote, async (configDir) => {
    ctx.log.line(`Pushing ${remote}`);
    for (const argv of pushCommands(docker, configDir, local, remote)) {
      let last = '';
      const onLine = (line: string) => {
        if (line.trim()) last = line.trim();
      };
      try {
        await ctx.exec(argv, { onLine });
      } catch (err) {
        if (ctx.signal.aborted || !last) throw err;
        throw new Error(`Could not push ${remote}: ${last}`, { cause: err });
      }
    }
  });
}

/** Pulls `remote` back from the registry that holds it (a rollback whose local image is gone). */
export function pullImage(ctx: JobContext, docker: string, registry: PushRegistry, remote: string): Promise<void> {
  return withLogin(ctx, registry, remote, async (configDir) => {
    ctx.log.line(`Pulling ${remote}`);
    await ctx.exec([docker, '--config', configDir, 'pull', remote]);
  });
}
