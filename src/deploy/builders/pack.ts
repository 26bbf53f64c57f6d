/**
 * Cloud Native Buildpacks through `pack build`, as Dokploy runs it: `heroku_buildpacks`
 * (builder `heroku/builder:<herokuVersion>`) and `paketo_buildpacks` (Paketo's full Jammy
 * builder, not configurable). They differ only in the builder image.
 */
import type { ApplicationRow } from '../../store/schema.js';
import type { Builder, JobContext } from '../types.js';
import { buildDirOf } from './paths.js';
import { envFlags, requireTool, runtimeEnv } from './tools.js';
import { BUILD_DEFAULTS } from '../../model/build-defaults.js';

export interface PackSpec {
  builder: string;
  buildDir: string;
  tag: string;
  env: Record<string, string>;
  clearCache: boolean;
}

/** `pack build` (pure). */
export function packCommand(spec: PackSpec): string[] {
  return [
    'pack', 'build', spec.tag,
    '--path', spec.buildDir,
    '--builder', spec.builder,
    ...(spec.clearCache ? ['--clear-cache'] : []),
    ...envFlags(spec.env),
  ];
}

export const herokuBuilderImage = (app: Pick<ApplicationRow, 'herokuVersion'>) => `heroku/builder:${app.herokuVersion || BUILD_DEFAULTS.herokuVersion}`;
export const PAKETO_BUILDER_IMAGE = 'paketobuildpacks/builder-jammy-full';

export class PackBuilder implements Builder {
  constructor(private readonly builderImage: (app: ApplicationRow) => string) {}

  async build(ctx: JobContext, dir: string, tag: string): Promise<void> {
    requireTool('pack');
    await ctx.exec(packCommand({ builder: this.builderImage(ctx.app), buildDir: await buildDirOf(ctx.app, dir), tag, env: runtimeEnv(ctx), clearCache: !!ctx.app.cleanCache }));
  }
}
