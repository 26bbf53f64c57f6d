import { z } from 'zod';

/**
 * The Swarm JSON settings of an application (reference/API.md §3.6), in Docker Engine
 * API casing. Strict: an unknown key is a 400, not a setting silently dropped.
 * Durations are nanoseconds.
 */

const nanos = () => z.number().int().min(0);
const count = () => z.number().int().min(0);

export const healthCheckSwarm = z.strictObject({
  Test: z.array(z.string()).optional(),
  Interval: nanos().optional(),
  Timeout: nanos().optional(),
  StartPeriod: nanos().optional(),
  Retries: count().optional(),
});

export const restartPolicySwarm = z.strictObject({
  Condition: z.enum(['none', 'on-failure', 'any']).optional(),
  Delay: nanos().optional(),
  MaxAttempts: count().optional(),
  Window: nanos().optional(),
});

export const placementSwarm = z.strictObject({
  Constraints: z.array(z.string()).optional(),
  Preferences: z.array(z.strictObject({ Spread: z.strictObject({ SpreadDescriptor: z.string() }) })).optional(),
  MaxReplicas: count().optional(),
  Platforms: z.array(z.strictObject({ Architecture: z.string(), OS: z.string() })).optional(),
});

/** updateConfigSwarm and rollbackConfigSwarm share this shape. */
export const updateConfigSwarm = z.strictObject({
  Parallelism: count(),
  Delay: nanos().optional(),
  FailureAction: z.enum(['pause', 'continue', 'rollback']).optional(),
  Monitor: nanos().optional(),
  MaxFailureRatio: z.number().min(0).max(1).optional(),
  Order: z.enum(['stop-first', 'start-first']),
});

export const modeSwarm = z
  .strictObject({
    Replicated: z.strictObject({ Replicas: count().optional() }).optional(),
    Global: z.strictObject({}).optional(),
    ReplicatedJob: z.strictObject({ MaxConcurrent: count().optional(), TotalCompletions: count().optional() }).optional(),
    GlobalJob: z.strictObject({}).optional(),
  })
  .refine((m) => Object.keys(m).length === 1, { message: 'Exactly one of Replicated, Global, ReplicatedJob, GlobalJob' });

export const labelsSwarm = z.record(z.string(), z.string());

export const networkSwarm = z.array(
  z.strictObject({
    Target: z.string().optional(),
    Aliases: z.array(z.string()).optional(),
    DriverOpts: z.record(z.string(), z.string()).optional(),
  }),
);

const port = () => z.number().int().min(0).max(65535);

export const endpointSpecSwarm = z.strictObject({
  Mode: z.enum(['vip', 'dnsrr']).optional(),
  Ports: z
    .array(
      z.strictObject({
        Protocol: z.enum(['tcp', 'udp', 'sctp']).optional(),
        TargetPort: port().optional(),
        PublishedPort: port().optional(),
        PublishMode: z.enum(['ingress', 'host']).optional(),
      }),
    )
    .optional(),
});

export const ulimitsSwarm = z.array(
  z.strictObject({
    Name: z.string().min(1),
    Soft: z.number().int().min(-1).max(Number.MAX_SAFE_INTEGER),
    Hard: z.number().int().min(-1).max(Number.MAX_SAFE_INTEGER),
  }),
);

export const stopGracePeriodSwarm = nanos();

/**
 * Berth's health check without Swarm JSON: an HTTP GET inside the container that must
 * answer 2xx/3xx. Seconds, not nanoseconds. The image needs `wget` or `curl` and `sh`.
 * The path is quoted into the container's shell, so it is limited to URL characters.
 */
export const httpHealthCheck = z.strictObject({
  path: z
    .string()
    .max(500)
    .regex(/^\/[A-Za-z0-9\-._~\/%?=&+:@!,;]*$/, 'must start with / and contain only URL characters'),
  port: z.number().int().min(1).max(65535),
  interval: z.number().int().min(1).max(3600).default(5),
  timeout: z.number().int().min(1).max(600).default(3),
  retries: z.number().int().min(1).max(100).default(3),
  startPeriod: z.number().int().min(0).max(3600).default(0),
});
export type HttpHealthCheck = z.infer<typeof httpHealthCheck>;

/** Every Swarm column, each nullable (null = Dokploy's default), as `application.update` accepts them. */
export const swarmSettings = {
  healthCheckSwarm: healthCheckSwarm.nullable().optional(),
  restartPolicySwarm: restartPolicySwarm.nullable().optional(),
  placementSwarm: placementSwarm.nullable().optional(),
  updateConfigSwarm: updateConfigSwarm.nullable().optional(),
  rollbackConfigSwarm: updateConfigSwarm.nullable().optional(),
  modeSwarm: modeSwarm.nullable().optional(),
  labelsSwarm: labelsSwarm.nullable().optional(),
  networkSwarm: networkSwarm.nullable().optional(),
  stopGracePeriodSwarm: stopGracePeriodSwarm.nullable().optional(),
  endpointSpecSwarm: endpointSpecSwarm.nullable().optional(),
  ulimitsSwarm: ulimitsSwarm.nullable().optional(),
};

export type HealthCheckSwarm = z.infer<typeof healthCheckSwarm>;
export type RestartPolicySwarm = z.infer<typeof restartPolicySwarm>;
export type PlacementSwarm = z.infer<typeof placementSwarm>;
export type UpdateConfigSwarm = z.infer<typeof updateConfigSwarm>;
export type ModeSwarm = z.infer<typeof modeSwarm>;
export type NetworkSwarm = z.infer<typeof networkSwarm>;
export type EndpointSpecSwarm = z.infer<typeof endpointSpecSwarm>;
export type UlimitsSwarm = z.infer<typeof ulimitsSwarm>;
