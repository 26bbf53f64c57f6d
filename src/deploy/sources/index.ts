import type { ApplicationRow } from '../../store/schema.js';
import type { JobContext, Source } from '../types.js';
import { DockerSource } from './docker.js';
import { DropSource, type DropOptions } from './drop.js';
import { GitSource, type GitInputs } from './git.js';

export interface SourceOptions {
  /** The docker CLI images are pulled with. */
  docker: string;
  /** What a git kind needs besides the application row (provider row, SSH key, commit pin), read by the pipeline. */
  gitInputs(ctx: JobContext): GitInputs | Promise<GitInputs>;
  drop: DropOptions;
  /** For the registry and provider APIs (tests replace it). */
  fetch?: typeof fetch;
  /** Whether the engine has an image (a docker source then skips the pull). */
  imageExists?: (ref: string) => Promise<boolean>;
}

const git = (o: SourceOptions) => new GitSource(o.gitInputs, { fetch: o.fetch });

const sources: Record<ApplicationRow['sourceType'], (o: SourceOptions) => Source> = {
  docker: (o) => new DockerSource({ docker: o.docker, fetch: o.fetch, imageExists: o.imageExists }),
  drop: (o) => new DropSource(o.drop),
  github: git,
  gitlab: git,
  bitbucket: git,
  gitea: git,
  git,
};

export function sourceFor(sourceType: ApplicationRow['sourceType'], opts: SourceOptions): Source {
  const make = sources[sourceType];
  if (!make) throw new Error(`unknown source type "${sourceType}"`);
  return make(opts);
}
