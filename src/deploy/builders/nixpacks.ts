/**
 * The `nixpacks` build, as Dokploy runs it: `nixpacks build` with the runtime env as build
 * env. With a publish directory the app is only a build step: its output
 * (`/app/<publishDirectory>`) is copied out of the image and served by the static build.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Builder, JobContext } from '../types.js';
import { buildDirOf } from './paths.js';
import { buildStaticSite } from './static.js';
import { envFlags, requireTool, runtimeEnv } from './tools.js';

export interface NixpacksSpec {
  buildDir: string;
  tag: string;
  env: Record<string, string>;
  noCache: boolean;
  publishDirectory?: string | null;
}

/** `nixpacks build` (pure). */
export function nixpacksCommand(spec: NixpacksSpec): string[] {
  return [
    'nixpacks', 'build', spec.buildDir,
    '--name', spec.tag,
    ...(spec.noCache ? ['--no-cache'] : []),
    ...envFlags(spec.env),
    ...(spec.publishDirectory ? ['--no-error-without-start'] : []),
  ];
}

/** Copying `/app/<publishDirectory>` out of the built image into `dest` (pure). */
export function copyOutCommands(docker: string, image: string, container: string, publishDirectory: string, dest: string): string[][] {
  // Normalised under /app: the directory cannot name anything above it.
  const from = path.posix.join('/app', path.posix.normalize(`/${publishDirectory}`)).replace(/\/+$/, '');
  return [
    [docker, 'create', '--name', container, image],
    [docker, 'cp', `${container}:${from}/.`, dest],
    [docker, 'rm', '-f', container],
  ];
}

export class NixpacksBuilder implements Builder {
  constructor(private readonly opts: { docker: string }) {}

  async build(ctx: JobContext, dir: string, tag: string): Promise<void> {
    requireTool('nixpacks');
    const publishDirectory = ctx.app.publishDirectory;
    await ctx.exec(nixpacksCommand({ buildDir: await buildDirOf(ctx.app, dir), tag, env: runtimeEnv(ctx), noCache: !!ctx.app.cleanCache, publishDirectory }));
    if (!publishDirectory) return;
    const site = path.join(ctx.workDir, 'publish');
    await fs.mkdir(site);
    const [create, copy, remove] = copyOutCommands(this.opts.docker, tag, `berth-publish-${ctx.deploymentId}`, publishDirectory, site);
    await ctx.exec(create);
    try {
      await ctx.exec(copy);
    } finally {
      await ctx.exec(remove);
    }
    await buildStaticSite(ctx, this.opts.docker, site, tag);
  }
}
