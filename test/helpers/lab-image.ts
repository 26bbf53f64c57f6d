import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { run } from './job.js';
import { readTestEnv } from './test-env.js';

/**
 * A busybox image serving /www on port 3000, pushed to `registryUrl` (every lab node pulls it
 * from its lab address), by digest: Berth then pulls it with the docker CLI, which trusts the
 * lab registry's test CA, instead of resolving the tag itself. The local tag is removed.
 */
export async function pushLabImage(tmp: string, registryUrl: string, repo: string, tag: string): Promise<string> {
  const { dockerCli: docker, registry } = readTestEnv();
  const dir = fs.mkdtempSync(path.join(tmp, 'image-'));
  fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM busybox:latest\nRUN mkdir -p /www\nCMD ["httpd", "-f", "-p", "3000", "-h", "/www"]\n');
  const ref = `${registryUrl}/${repo}:${tag}`;
  await run([docker, 'build', '-q', '-t', ref, dir]);
  const config = path.join(dir, 'config');
  fs.mkdirSync(config);
  await run([docker, '--config', config, 'login', '-u', registry.username, '--password-stdin', registryUrl], { input: registry.password });
  const pushed = await run([docker, '--config', config, 'push', ref]);
  const digest = /digest: (sha256:[a-f0-9]{64})/.exec(pushed)?.[1];
  assert.ok(digest, pushed);
  await run([docker, 'rmi', ref]);
  return `${registryUrl}/${repo}@${digest}`;
}

/**
 * Removes an image pushLabImage made from every node that pulled it (what is not there is
 * fine); with force, since a node may not have removed its stopped task containers yet.
 */
export async function removeLabImage(ref: string): Promise<void> {
  const { dockerCli: docker, cluster } = readTestEnv();
  for (const n of cluster.nodes) await run([docker, '-H', n.dockerHost, 'rmi', '-f', ref]).catch(() => '');
}
