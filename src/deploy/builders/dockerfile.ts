/**
 * The `dockerfile` build: the application's Dockerfile (relative to its build path), its
 * context (`dockerContextPath`, relative to the source root; by default the Dockerfile's
 * folder), stage, build args (references resolved) and build secrets. The runtime env, its
 * references resolved, is written as `.env` next to the Dockerfile when `createEnvFile` is
 * on and no publish directory is set (Dokploy).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseDotenv } from '../../model/dotenv.js';
import type { Builder, JobContext } from '../types.js';
import { runDockerBuild, type DockerBuildSpec } from './docker-build.js';
import { buildDirOf, within } from './paths.js';
import { BUILD_DEFAULTS } from '../../model/build-defaults.js';

/** The build spec of `app` in the fetched tree at `root`; paths checked to stay inside it. */
export async function dockerfileSpec(app: JobContext['app'], root: string, tag: string, buildArgs: Record<string, string>): Promise<DockerBuildSpec> {
  const buildDir = await buildDirOf(app, root);
  const dockerfile = await within(root, buildDir, app.dockerfile || BUILD_DEFAULTS.dockerfile, 'Dockerfile');
  const context = app.dockerContextPath ? await within(root, root, app.dockerContextPath, 'Docker context path') : path.dirname(dockerfile);
  return {
    dockerfile,
    context,
    tag,
    target: app.dockerBuildStage || null,
    buildArgs,
    secrets: parseDotenv(app.buildSecrets),
    noCache: !!app.cleanCache,
  };
}

export class DockerfileBuilder implements Builder {
  constructor(private readonly opts: { docker: string }) {}

  async build(ctx: JobContext, dir: string, tag: string): Promise<void> {
    const spec = await dockerfileSpec(ctx.app, dir, tag, ctx.vars.buildArgs);
    if (ctx.app.createEnvFile && !ctx.app.publishDirectory) {
      const text = Object.entries(ctx.vars.env).map(([k, v]) => `${k}=${JSON.stringify(v)}\n`).join('');
      await fs.writeFile(path.join(path.dirname(spec.dockerfile), '.env'), text, { mode: 0o600 });
    }
    await runDockerBuild(ctx, this.opts.docker, spec);
  }
}
