import { daemonError, type Engine } from './engine.js';
import { REGISTRY_SERVICE, registryNodeOf, registryServiceSpec, registryUrlOf, secretNameOf, type SecretRef } from './registry-service-spec.js';

export interface RegistryServiceInput {
  image: string;
  port: number;
  /** The htpasswd file's content (bcrypt hashes, the only kind the registry accepts). */
  htpasswd: string;
  /** PEM certificate and key. */
  tls?: { certificate: string; key: string };
  timeoutMs: number;
}

/** The secret named for `content`, created when missing. */
async function secretFor(engine: Engine, purpose: string, content: string): Promise<SecretRef> {
  const name = secretNameOf(purpose, content);
  try {
    const [found] = await engine.docker.listSecrets({ filters: { name: [name] } });
    if (found?.Spec?.Name === name) return { id: found.ID, name };
    const created = (await engine.docker.createSecret({ Name: name, Labels: { 'berth.managed': 'registry' }, Data: Buffer.from(content).toString('base64') })) as { id: string };
    return { id: created.id, name };
  } catch (err) {
    throw daemonError(err);
  }
}

/**
 * Creates or updates the cluster's registry service on this manager (an existing one stays
 * on the node its data is on) and waits until it runs; answers the `host:port` every node
 * reaches it at (BERTH_REGISTRY_URL): the address of the node it runs on.
 */
export async function ensureRegistryService(engine: Engine, input: RegistryServiceInput, log: (line: string) => void): Promise<string> {
  let info: { Swarm?: { NodeID?: string; NodeAddr?: string; ControlAvailable?: boolean } };
  try {
    info = await engine.docker.info();
  } catch (err) {
    throw daemonError(err);
  }
  if (!info.Swarm?.ControlAvailable || !info.Swarm.NodeID || !info.Swarm.NodeAddr) throw new Error('This engine is not a swarm manager');
  const nodeId = registryNodeOf((await engine.inspectService(REGISTRY_SERVICE))?.Spec, info.Swarm.NodeID);
  const htpasswd = await secretFor(engine, 'htpasswd', input.htpasswd);
  const tls = input.tls && { certificate: await secretFor(engine, 'crt', input.tls.certificate), key: await secretFor(engine, 'key', input.tls.key) };
  const rollout = await engine.applyService(registryServiceSpec({ image: input.image, nodeId, port: input.port, htpasswd, tls }));
  await engine.waitForRollout(REGISTRY_SERVICE, rollout, { timeoutMs: input.timeoutMs, log });
  let addr = info.Swarm.NodeAddr;
  if (nodeId !== info.Swarm.NodeID) {
    try {
      addr = (await engine.docker.getNode(nodeId).inspect()).Status?.Addr ?? addr;
    } catch (err) {
      throw daemonError(err);
    }
  }
  return registryUrlOf(addr, input.port);
}
