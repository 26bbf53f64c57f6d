/**
 * The registry Berth manages for a cluster (pure): the Distribution registry as a Swarm
 * service on the manager, where every node pulls what Berth built. Its users come from an
 * htpasswd file, its certificate (when given) from Swarm secrets, its data from a volume on
 * the manager it was first created on (one replica, pinned to that node: a volume is one
 * node's, and a task moved to another manager would find an empty registry).
 */
import { createHash } from 'node:crypto';
import type Docker from 'dockerode';

export const REGISTRY_SERVICE = 'berth-registry';
export const REGISTRY_VOLUME = 'berth-registry-data';
/** The port the registry listens on inside its container. */
const REGISTRY_PORT = 5000;
const SECRETS_DIR = '/run/secrets';

/** A Swarm secret as a service references it. */
export interface SecretRef {
  id: string;
  name: string;
}

export interface RegistryServiceSettings {
  image: string;
  /** The node its data lives on. */
  nodeId: string;
  /** Published on the manager's own address (host mode: no routing mesh needed). */
  port: number;
  htpasswd: SecretRef;
  /** Certificate and key; without them the registry speaks plain HTTP and every node must list it in `insecure-registries`. */
  tls?: { certificate: SecretRef; key: SecretRef };
}

/** The name of a secret holding `content`: secrets are immutable, so new content is a new secret (pure). */
export const secretNameOf = (purpose: string, content: string) => `${REGISTRY_SERVICE}-${purpose}-${createHash('sha256').update(content).digest('hex').slice(0, 12)}`;

const fileOf = (secret: SecretRef, file: string) => ({ SecretID: secret.id, SecretName: secret.name, File: { Name: file, UID: '0', GID: '0', Mode: 0o400 } });

export function registryServiceSpec(s: RegistryServiceSettings): Docker.ServiceSpec {
  const secrets = [fileOf(s.htpasswd, 'htpasswd'), ...(s.tls ? [fileOf(s.tls.certificate, 'registry.crt'), fileOf(s.tls.key, 'registry.key')] : [])];
  return {
    Name: REGISTRY_SERVICE,
    Labels: { 'berth.managed': 'registry' },
    TaskTemplate: {
      ContainerSpec: {
        Image: s.image,
        Env: [
          'REGISTRY_AUTH=htpasswd',
          'REGISTRY_AUTH_HTPASSWD_REALM=Berth registry',
          `REGISTRY_AUTH_HTPASSWD_PATH=${SECRETS_DIR}/htpasswd`,
          // Berth removes the releases it no longer keeps
          'REGISTRY_STORAGE_DELETE_ENABLED=true',
          ...(s.tls ? [`REGISTRY_HTTP_TLS_CERTIFICATE=${SECRETS_DIR}/registry.crt`, `REGISTRY_HTTP_TLS_KEY=${SECRETS_DIR}/registry.key`] : []),
        ],
        Secrets: secrets,
        Mounts: [{ Type: 'volume', Source: REGISTRY_VOLUME, Target: '/var/lib/registry' }],
      },
      Placement: { Constraints: [`node.id == ${s.nodeId}`] },
      RestartPolicy: { Condition: 'any', Delay: 1_000_000_000 },
    },
    Mode: { Replicated: { Replicas: 1 } },
    // stop the old task before the new one: both would write the same volume
    UpdateConfig: { Parallelism: 1, Order: 'stop-first', FailureAction: 'rollback' },
    EndpointSpec: { Mode: 'dnsrr', Ports: [{ Protocol: 'tcp', TargetPort: REGISTRY_PORT, PublishedPort: s.port, PublishMode: 'host' }] },
  };
}

/** The node an existing registry service is pinned to (its data is there), else `here` (pure). */
export function registryNodeOf(existing: Docker.ServiceSpec | undefined, here: string): string {
  const pinned = existing?.TaskTemplate?.Placement?.Constraints?.map((c) => /^node\.id\s*==\s*(\S+)$/.exec(c)?.[1]).find(Boolean);
  return pinned ?? here;
}

/** The `host:port` the nodes reach the registry at: the manager's swarm address (pure). */
export const registryUrlOf = (managerAddr: string, port: number) => `${managerAddr}:${port}`;
