import type { ApplicationRow } from '../../store/schema.js';
import type { Builder } from '../types.js';
import { DockerfileBuilder } from './dockerfile.js';
import { NixpacksBuilder } from './nixpacks.js';
import { herokuBuilderImage, PackBuilder, PAKETO_BUILDER_IMAGE } from './pack.js';
import { RailpackBuilder } from './railpack.js';
import { StaticBuilder } from './static.js';

type BuildType = ApplicationRow['buildType'];

export interface BuilderOptions {
  /** The docker CLI builds run (its BuildKit support is probed once). */
  docker: string;
}

const builders: Record<BuildType, (o: BuilderOptions) => Builder> = {
  dockerfile: (o) => new DockerfileBuilder(o),
  static: (o) => new StaticBuilder(o),
  nixpacks: (o) => new NixpacksBuilder(o),
  heroku_buildpacks: () => new PackBuilder(herokuBuilderImage),
  paketo_buildpacks: () => new PackBuilder(() => PAKETO_BUILDER_IMAGE),
  railpack: (o) => new RailpackBuilder(o),
};

export function builderFor(buildType: BuildType, opts: BuilderOptions): Builder {
  const make = builders[buildType];
  if (!make) throw new Error(`unknown build type "${buildType}"`);
  return make(opts);
}
