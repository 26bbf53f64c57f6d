import { createHash } from 'node:crypto';
import type Docker from 'dockerode';
import type { EndpointMode } from '../docker/endpoint-mode.js';
import { DEFAULT_CERT_RESOLVER } from './render.js';

/** Where the edge's folders are mounted inside the Traefik container. */
const DYNAMIC_IN_CONTAINER = '/etc/traefik/dynamic';
const ACME_IN_CONTAINER = '/etc/traefik/acme';
const DOCKER_SOCKET = '/var/run/docker.sock';

/** An entry point the operator declares beside `web` and `websecure` (BERTH_EXTRA_ENTRYPOINTS): Traefik listens on the port, published as that port. */
export interface ExtraEntrypoint {
  name: string;
  port: number;
}

export interface EdgeSettings {
  serviceName: string;
  image: string;
  /** The overlay network Traefik shares with the applications it routes to. */
  network: string;
  endpointMode: EndpointMode;
  httpPort: number;
  httpsPort: number;
  /** HTTP/3 (QUIC) on websecure, published on the HTTPS port over UDP as well. */
  http3: boolean;
  extraEntrypoints: ExtraEntrypoint[];
  acmeEmail: string;
  acmeCaServer: string;
  /** Host folders: the dynamic configuration Berth writes, and the ACME account and certificates. */
  dynamicDir: string;
  acmeDir: string;
}

/** The entry points Berth's Traefik defines: a router on any other is dropped by Traefik. */
export const edgeEntrypoints = (extra: ExtraEntrypoint[]) => ['web', 'websecure', ...extra.map((e) => e.name)];

/**
 * Traefik's static configuration, as command-line flags (no file to write, and the argv
 * is what the tests compare): entry points `web`, `websecure` (TLS by default, so a router
 * there never speaks plain HTTP on the HTTPS port; HTTP/3 when asked) and the operator's
 * extra ones, the file provider on the dynamic folder, the Swarm provider (labels opt in),
 * the `letsencrypt` resolver with the HTTP challenge, and `/ping` for the health check.
 */
export function traefikArgs(s: Pick<EdgeSettings, 'network' | 'acmeEmail' | 'acmeCaServer' | 'httpsPort' | 'http3' | 'extraEntrypoints'>): string[] {
  const acme = `--certificatesresolvers.${DEFAULT_CERT_RESOLVER}.acme`;
  return [
    '--entrypoints.web.address=:80',
    '--entrypoints.websecure.address=:443',
    '--entrypoints.websecure.http.tls=true',
    // clients learn of HTTP/3 from the Alt-Svc header: it must name the port they reach, not the container's
    ...(s.http3 ? ['--entrypoints.websecure.http3=true', `--entrypoints.websecure.http3.advertisedport=${s.httpsPort}`] : []),
    ...s.extraEntrypoints.map((e) => `--entrypoints.${e.name}.address=:${e.port}`),
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
 * The Traefik Swarm service. One replica on the node Berth's engine runs on (`nodeId`, a
 * manager: the Swarm provider reads the manager's API, and the bound folders are that
 * node's), ports published in host mode (works with and without IPVS; a host port cannot
 * be held by two tasks, hence stop-first updates).
 */
export function edgeServiceSpec(s: EdgeSettings, nodeId: string): Docker.ServiceSpec {
  const port = (Protocol: 'tcp' | 'udp', TargetPort: number, PublishedPort: number) => ({ Protocol, TargetPort, PublishedPort, PublishMode: 'host' as const });
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
      Placement: { Constraints: [`node.id == ${nodeId}`] },
      RestartPolicy: { Condition: 'any', Delay: 5e9 },
      Networks: [{ Target: s.network }],
    },
    Mode: { Replicated: { Replicas: 1 } },
    UpdateConfig: { Parallelism: 1, Order: 'stop-first', FailureAction: 'rollback' },
    EndpointSpec: {
      Mode: s.endpointMode,
      Ports: [
        port('tcp', 80, s.httpPort),
        port('tcp', 443, s.httpsPort),
        ...(s.http3 ? [port('udp', 443, s.httpsPort)] : []),
        ...s.extraEntrypoints.map((e) => port('tcp', e.port, e.port)),
      ],
    },
  };
  const digest = createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 16);
  return { ...spec, Labels: { ...spec.Labels, [SPEC_DIGEST_LABEL]: digest } };
}
