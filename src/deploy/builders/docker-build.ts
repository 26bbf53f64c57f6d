/**
 * `docker build`, shared by the builders that end in one (dockerfile, static). Build
 * secrets need BuildKit: they reach the build as `--secret` mounts whose values are only
 * in the docker CLI's environment; without BuildKit a build with secrets is refused,
 * never downgraded to build arguments.
 */
import { output } from '../exec.js';
import type { JobContext } from '../types.js';

export interface DockerBuildSpec {
  dockerfile: string;
  context: string;
  tag: string;
  target?: string | null;
  buildArgs: Record<string, string>;
  secrets: Record<string, string>;
  noCache: boolean;
}

/**
 * Secret values travel in variables of Berth's naming (`env=BERTH_BUILD_SECRET_<n>`) so a
 * secret called PATH or DOCKER_HOST cannot change how the docker CLI itself runs.
 */
export function secretFlags(secrets: Record<string, string>): { argv: string[]; env: Record<string, string> } {
  const keys = Object.keys(secrets);
  return {
    argv: keys.flatMap((k, i) => ['--secret', `id=${k},env=BERTH_BUILD_SECRET_${i}`]),
    env: Object.fromEntries(keys.map((k, i) => [`BERTH_BUILD_SECRET_${i}`, secrets[k]])),
  };
}

/** The `docker build` argv and the environment it runs with (pure). */
export function dockerBuildCommand(docker: string, spec: DockerBuildSpec, buildKit: boolean): { argv: string[]; env: Record<string, string> } {
  const secrets = secretFlags(spec.secrets);
  return {
    argv: [
      docker, 'build',
      '-f', spec.dockerfile,
      '-t', spec.tag,
      ...(spec.target ? ['--target', spec.target] : []),
      ...Object.entries(spec.buildArgs).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]),
      ...secrets.argv,
      ...(spec.noCache ? ['--no-cache', '--pull'] : []),
      spec.context,
    ],
    env: { DOCKER_BUILDKIT: buildKit ? '1' : '0', ...secrets.env },
  };
}

/**
 * Whether this docker CLI builds with BuildKit, secrets included: asked by a build of
 * nothing. A yes is remembered; a no is asked again next time (the engine may have been down).
 */
const withBuildKit = new Set<string>();
export async function hasBuildKit(docker: string): Promise<boolean> {
  if (withBuildKit.has(docker)) return true;
  const probe = [docker, 'build', '-q', '--secret', 'id=probe,env=BERTH_PROBE', '--output', 'type=tar,dest=/dev/null', '-'];
  const ok = await output(probe, { env: { DOCKER_BUILDKIT: '1', BERTH_PROBE: 'probe' }, stdin: 'FROM scratch\n', timeoutMs: 60_000 }).then(
    () => true,
    () => false,
  );
  if (ok) withBuildKit.add(docker);
  return ok;
}

export async function runDockerBuild(ctx: JobContext, docker: string, spec: DockerBuildSpec): Promise<void> {
  const buildKit = await hasBuildKit(docker);
  if (!buildKit && Object.keys(spec.secrets).length) {
    throw new Error('build secrets need BuildKit, which the docker CLI of this server does not provide (install docker buildx); a secret is never passed as a build argument');
  }
  ctx.log.line(`Building ${spec.tag} with ${buildKit ? 'BuildKit' : 'the classic builder'}`);
  const { argv, env } = dockerBuildCommand(docker, spec, buildKit);
  await ctx.exec(argv, { env });
}
