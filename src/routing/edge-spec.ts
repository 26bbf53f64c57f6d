import { createHash } from 'node:crypto';
import type Docker from 'dockerode';
import type { EndpointMode } from '../docker/endpoint-mode.js';
import { DEFAULT_CERT_RESOLVER } from './render.js';

/** Where the edge's folders are mounted inside the Traefik container. */
const DYNAMIC_IN_CONTAINER = '/etc/traefik/dynamic';
const ACME_IN_CONTAINER = '/etc/traefik/acme';
const DOCKER_SOCKET = '/var/run/docker.sock';

export interface EdgeSettings {
  serviceName: string;
  image: string;
  /** The overlay network Traefik shares with the applications it routes to. */
  network: string;
  endpointMode: EndpointMode;
  httpPort: number;
  httpsPort: number;
  acmeEmail: string;
  acmeCaServer: string;
  /** Host folders: the dynamic configuration Berth writes, and the ACME account and certificates. */
  dynamicDir: string;
  acmeDir: string;
}

/**
 * Traefik's static configuration, as command-line flags (no file to write, and the argv
 * is what the tests compare): entry points `web` and `websecure`, the file provider on
 * the dynamic folder, the Swarm provider (labels opt in), the `letsencrypt` resolver
 * with the HTTP challenge, and `/ping` for the health check.
 */
export function traefikArgs(s: Pick<EdgeSettings, 'network' | 'acmeEmail' | 'acmeCaServer'>): string[] {
  const acme = `--certificatesresolvers.${DEFAULT_CERT_RESOLVER}.acme`;
  return [
    '--entrypoints.web.address=:80',
    '--entrypoints.websecure.address=:443',
    `--providers.file.directory=${DYNAMIC_IN_CONTAINER}`,
    '--providers.file.watch=true',
    `--providers.swarm.endpoint=unix://${DOCKER_SOCKET}`,
    '--providers.swarm.exposedbydefault=false',
    `--providers.swarm.network=${s.network}`,
    ...(s.acmeEmail ? [`${acme}.email=${s.acmeEmail}`] : []),
    `${acme}.caserver=${s.acmeCaServer}`,
    `${acme}.storage=${ACME_IN_CONTAINER}/acme.json`,
    `${acme}.httpchallenge.entrypoint=web`,
    '--ping=true',
    '--log.level=INFO',
  ];
}

/** The label that tells whether the running edge already has this spec (then it is left alone, not restarted). */
export const SPEC_DIGEST_LABEL = 'berth.edge.spec-digest';

/**
 * The Traefik Swarm service. One replica on a manager (the Swarm provider reads the
 * manager's API), ports published in host mode (works with and without IPVS; a host
 * port cannot be held by two tasks, hence stop-first updates).
 */
export function edgeServiceSpec(s: EdgeSettings): Docker.ServiceSpec {
  const spec: Docker.ServiceSpec = {
    Name: s.serviceName,
    Labels: { 'berth.edge': 'traefik' },
    TaskTemplate: {
      ContainerSpec: {
        Image: s.image,
        Args: traefikArgs(s),
        Mounts: [
          { Type: 'bind', Source: s.dynamicDir, Target: DYNAMIC_IN_CONTAINER, ReadOnly: true },
          { Type: 'bind', Source: s.acmeDir, Target: ACME_IN_CONTAINER },
          { Type: 'bind', Source: DOCKER_SOCKET, Target: DOCKER_SOCKET, ReadOnly: true },
        ],
        HealthCheck: { Test: ['CMD', 'traefik', 'healthcheck', '--ping'], Interval: 10e9, Timeout: 5e9, Retries: 3, StartPeriod: 10e9 },
      },
      Placement: { Constraints: ['node.role == manager'] },
      RestartPolicy: { Condition: 'any', Delay: 5e9 },
      Networks: [{ Target: s.network }],
    },
    Mode: { Replicated: { Replicas: 1 } },
    UpdateConfig: { Parallelism: 1, Order: 'stop-first', FailureAction: 'rollback' },
    EndpointSpec: {
      Mode: s.endpointMode,
      Ports: [
        { Protocol: 'tcp', TargetPort: 80, PublishedPort: s.httpPort, PublishMode: 'host' },
        { Protocol: 'tcp', TargetPort: 443, PublishedPort: s.httpsPort, PublishMode: 'host' },
      ],
    },
  };
  const digest = createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 16);
  return { ...spec, Labels: { ...spec.Labels, [SPEC_DIGEST_LABEL]: digest } };
}
