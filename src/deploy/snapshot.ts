import type { ServiceSource } from '../docker/service-spec.js';
import type { DeployableApplication } from './types.js';

/**
 * What a release ran besides its image: everything the Swarm spec reads of the
 * application, with the environment as resolved then and the file mounts' contents.
 * Stored (encrypted) as a Rollback row's `fullContext`, so a rollback restores the
 * configuration too. Registry credentials are never part of it: a rollback reads the
 * application's current ones.
 */
export interface ReleaseSnapshot {
  version: 1;
  app: ServiceSource & { mounts: (ServiceSource['mounts'][number] & { content: string | null })[] };
  env: Record<string, string>;
}

const keys = [
  'appName', 'applicationId', 'env', 'command', 'args', 'memoryLimit', 'memoryReservation', 'cpuLimit', 'cpuReservation',
  'replicas', 'healthCheckSwarm', 'httpHealthCheck', 'restartPolicySwarm', 'placementSwarm', 'updateConfigSwarm',
  'rollbackConfigSwarm', 'modeSwarm', 'labelsSwarm', 'networkSwarm', 'stopGracePeriodSwarm', 'endpointSpecSwarm',
  'ulimitsSwarm', 'detachDokployNetwork', 'initProcess',
] as const satisfies readonly (keyof ServiceSource)[];

// Compile-time: a field the spec reads but the snapshot forgets fails the build.
type Forgotten = Exclude<keyof ServiceSource, (typeof keys)[number] | 'mounts' | 'ports'>;
const complete: [Forgotten] extends [never] ? true : Forgotten = true;
void complete;

/** The snapshot of `app` released with `env` (pure; a deep copy, so later edits of the app do not leak in). */
export function snapshotOf(app: DeployableApplication, env: Record<string, string>): ReleaseSnapshot {
  const picked = Object.fromEntries(keys.map((k) => [k, app[k]])) as Omit<ServiceSource, 'mounts' | 'ports'>;
  return structuredClone({
    version: 1,
    app: {
      ...picked,
      mounts: app.mounts.map(({ type, hostPath, volumeName, filePath, mountPath, content }) => ({ type, hostPath, volumeName, filePath, mountPath, content })),
      ports: app.ports.map(({ publishedPort, targetPort, protocol, publishMode }) => ({ publishedPort, targetPort, protocol, publishMode })),
    },
    env,
  });
}
