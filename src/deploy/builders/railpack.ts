/**
 * The `railpack` build, as Dokploy runs it: a BuildKit builder of its own (docker-container
 * driver), `railpack prepare` writing the build plan, then `docker buildx build` of that
 * plan with railpack's frontend; the runtime env reaches the build as BuildKit secrets.
 * Unlike Dokploy, Berth does not download railpack on every build: it must be installed.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Builder, JobContext } from '../types.js';
import { secretFlags } from './docker-build.js';
import { buildDirOf } from './paths.js';
import { envFlags, requireTool, runtimeEnv } from './tools.js';
import { BUILD_DEFAULTS } from '../../model/build-defaults.js';

export interface RailpackSpec {
  docker: string;
  version: string;
  /** Unique per build: names the BuildKit builder, and busts the cache when asked. */
  buildId: string;
  buildDir: string;
  /** Folder for the plan and info files (outside the source). */
  planDir: string;
  tag: string;
  env: Record<string, string>;
  noCache: boolean;
}

/** The four steps (pure), and the environment the build step runs with. */
export function railpackCommands(spec: RailpackSpec) {
  const builder = `railpack-${spec.buildId}`;
  const plan = path.join(spec.planDir, 'railpack-plan.json');
  const secrets = secretFlags(spec.env);
  // Changes with the env, so BuildKit does not reuse layers built with other secret values.
  const secretsHash = createHash('sha256')
    .update(Object.entries(spec.env).map(([k, v]) => `${k}=${v}`).join('\n'))
    .digest('hex');
  return {
    createBuilder: [spec.docker, 'buildx', 'create', '--name', builder, '--driver', 'docker-container'],
    prepare: ['railpack', 'prepare', spec.buildDir, '--plan-out', plan, '--info-out', path.join(spec.planDir, 'railpack-info.json'), ...envFlags(spec.env)],
    build: [
      spec.docker, 'buildx', 'build',
      '--builder', builder,
      '--build-arg', `secrets-hash=${secretsHash}`,
      ...(spec.noCache ? ['--build-arg', `cache-key=${spec.buildId}`] : []),
      '--build-arg', `BUILDKIT_SYNTAX=ghcr.io/railwayapp/railpack-frontend:v${spec.version}`,
      '-f', plan,
      '--output', `type=docker,name=${spec.tag}`,
      ...secrets.argv,
      spec.buildDir,
    ],
    buildEnv: secrets.env,
    removeBuilder: [spec.docker, 'buildx', 'rm', builder],
  };
}

export class RailpackBuilder implements Builder {
  constructor(private readonly opts: { docker: string }) {}

  async build(ctx: JobContext, dir: string, tag: string): Promise<void> {
    requireTool('railpack');
    const steps = railpackCommands({
      docker: this.opts.docker,
      version: ctx.app.railpackVersion || BUILD_DEFAULTS.railpackVersion,
      buildId: ctx.deploymentId,
      buildDir: await buildDirOf(ctx.app, dir),
      planDir: ctx.workDir,
      tag,
      env: runtimeEnv(ctx),
      noCache: !!ctx.app.cleanCache,
    });
    await ctx.exec(steps.createBuilder);
    try {
      await ctx.exec(steps.prepare);
      await ctx.exec(steps.build, { env: steps.buildEnv });
    } finally {
      await ctx.exec(steps.removeBuilder).catch(() => ctx.log.line('Could not remove the railpack builder'));
    }
  }
}
