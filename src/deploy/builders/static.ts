/**
 * The `static` build: the publish directory served on port 80 by busybox's `httpd`, on
 * `busybox:latest` (about 2 MB, and buildable without any registry; Dokploy uses
 * nginx:alpine). The site folder itself is the build context and the generated Dockerfile
 * stays outside it, so nothing of the application's ends up in a Dockerfile line.
 *
 * SPA fallback: busybox httpd has no rewrites; its `E404` directive serves index.html for
 * any path that is not a file, so client-side routes load (with status 404, not 200).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Builder, JobContext } from '../types.js';
import { runDockerBuild } from './docker-build.js';
import { buildDirOf, within } from './paths.js';

export const STATIC_BASE_IMAGE = 'busybox:latest';
export const STATIC_PORT = 80;

/** The Dockerfile of a static site (pure). */
export function staticDockerfile(spa: boolean): string {
  return [
    `FROM ${STATIC_BASE_IMAGE}`,
    'COPY . /www/',
    ...(spa ? [`RUN echo 'E404:/www/index.html' > /etc/httpd.conf`] : []),
    `EXPOSE ${STATIC_PORT}`,
    `CMD ["httpd", "-f", "-v", "-p", "${STATIC_PORT}", "-h", "/www"]`,
    '',
  ].join('\n');
}

/** Never served: the repository, the env file, the ignore file itself. */
const IGNORED = ['.git', '.env', '.dockerignore'];

/** Builds the site in `siteDir` into `tag`. */
export async function buildStaticSite(ctx: JobContext, docker: string, siteDir: string, tag: string): Promise<void> {
  const genDir = await fs.mkdtemp(path.join(ctx.workDir, 'static-'));
  const dockerfile = path.join(genDir, 'Dockerfile');
  await fs.writeFile(dockerfile, staticDockerfile(!!ctx.app.isStaticSpa));
  await fs.appendFile(path.join(siteDir, '.dockerignore'), `\n${IGNORED.join('\n')}\n`);
  await runDockerBuild(ctx, docker, { dockerfile, context: siteDir, tag, buildArgs: {}, secrets: {}, noCache: !!ctx.app.cleanCache });
}

export class StaticBuilder implements Builder {
  constructor(private readonly opts: { docker: string }) {}

  async build(ctx: JobContext, dir: string, tag: string): Promise<void> {
    const buildDir = await buildDirOf(ctx.app, dir);
    const site = await within(dir, buildDir, ctx.app.publishDirectory || '.', 'publish directory');
    await buildStaticSite(ctx, this.opts.docker, site, tag);
  }
}
