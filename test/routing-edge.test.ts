import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { after, describe, test } from 'node:test';
import { startBerth } from '../src/berth.js';
import { loadConfig } from '../src/config.js';
import { createEngine } from '../src/docker/engine.js';
import { ensureNetwork, ownNodeId } from '../src/docker/edge.js';
import { request } from './helpers/berth.js';

/** Tests on the real Docker engine (scripts/test-env.sh); everything they create is named t-edge-<run>-… and removed. */
const RUN = `t-edge-${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const engine = createEngine({ docker: { host: process.env.DOCKER_HOST || 'unix:///var/run/docker.sock' } });
const networks: string[] = [];

async function removeNetworks() {
  for (const name of networks) await engine.docker.getNetwork(name).remove().catch(() => {});
}

describe('the edge on the real engine', () => {
  after(removeNetworks);

  test('a missing platform network is created as an attachable overlay; an existing one is kept', async () => {
    const name = `${RUN}-net`;
    networks.push(name);
    assert.equal(await ensureNetwork(engine, name), 'created');
    const info = await engine.docker.getNetwork(name).inspect();
    assert.equal(info.Driver, 'overlay');
    assert.equal(info.Attachable, true);
    assert.equal(await ensureNetwork(engine, name), 'present');
  });

  test('a network of that name that is not an attachable overlay is an error telling the operator what to do', async () => {
    const name = `${RUN}-bridge`;
    networks.push(name);
    await engine.docker.createNetwork({ Name: name, Driver: 'bridge' });
    await assert.rejects(ensureNetwork(engine, name), /not an attachable overlay: remove it \(docker network rm/);
  });

  test('the edge is placed on the Swarm node of the engine Berth talks to (the node that holds its folders)', async () => {
    const self = execFileSync('docker', ['node', 'inspect', 'self', '--format', '{{.ID}}'], { encoding: 'utf8' }).trim();
    assert.match(self, /^\w{25}$/);
    assert.equal(await ownNodeId(engine), self);
  });

  test('without a Traefik image Berth keeps serving, and health and the log say the edge is unavailable and why', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-edge-'));
    const image = `${RUN}-missing-traefik:v3`;
    const lines: string[] = [];
    const berth = await startBerth(
      loadConfig({ BERTH_DATA_DIR: dataDir, BERTH_PORT: '0', BERTH_HOST: '127.0.0.1', BERTH_ADMIN_TOKEN: `${RUN}-token`, BERTH_LOG_LEVEL: 'fatal', BERTH_EDGE: 'on', BERTH_TRAEFIK_IMAGE: image }),
      (line) => lines.push(line),
    );
    try {
      let health = (await request(`${berth.url}/api/health`)).body;
      assert.equal(health.status, 'ok');
      for (const deadline = Date.now() + 60_000; health.edge.status === 'starting' && Date.now() < deadline; ) {
        await new Promise((r) => setTimeout(r, 50));
        health = (await request(`${berth.url}/api/health`)).body;
      }
      assert.equal(health.status, 'ok');
      assert.equal(health.edge.status, 'unavailable');
      assert.equal(health.edge.image, image);
      assert.match(health.edge.reason, new RegExp(`the Traefik image ${image} is not on this machine and could not be pulled`));
      assert.ok(lines.some((l) => l.includes('the edge (Traefik) is unavailable') && l.includes(image)), lines.join('\n'));
      const api = await request(`${berth.url}/api/project.all`, { headers: { 'x-api-key': `${RUN}-token` } });
      assert.equal(api.status, 200, 'the API serves while the edge is down');
      assert.ok(fs.statSync(path.join(dataDir, 'traefik', 'dynamic')).isDirectory(), 'the folder Traefik would watch exists');
    } finally {
      await berth.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('with the edge off (the operator runs Traefik), health says it is disabled', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-edge-'));
    const berth = await startBerth(loadConfig({ BERTH_DATA_DIR: dataDir, BERTH_PORT: '0', BERTH_HOST: '127.0.0.1', BERTH_LOG_LEVEL: 'fatal', BERTH_EDGE: 'off' }), () => {});
    try {
      assert.deepEqual((await request(`${berth.url}/api/health`)).body.edge, { status: 'disabled' });
    } finally {
      await berth.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
