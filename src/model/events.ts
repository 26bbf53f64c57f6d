/**
 * What Berth tells its notification channels about (issue 15). Every part that has something
 * to report emits one of these through `Notify`; src/notify/ turns them into messages.
 */
export type BerthEvent =
  | { type: 'deployment.done'; deploymentId: string; applicationId: string; at: string }
  | { type: 'deployment.failed'; deploymentId: string; applicationId: string; error: string; logTail: string[]; at: string }
  | { type: 'application.unhealthy'; applicationId: string; reason: 'crash-loop' | 'oom-killed' | 'unhealthy'; detail: string; at: string }
  | { type: 'server.threshold'; metric: 'cpu' | 'memory' | 'disk'; value: number; threshold: number; forSeconds: number; at: string }
  | { type: 'server.restarted'; version: string; at: string }
  | { type: 'backup.done'; backupId: string | null; destinationId: string | null; file: string; sizeBytes: number; at: string }
  | { type: 'backup.failed'; backupId: string | null; destinationId: string | null; error: string; at: string }
  | { type: 'cleanup.done'; freedBytes: number; detail: string; at: string }
  | { type: 'schedule.failed'; scheduleId: string; deploymentId: string; applicationId: string | null; status: 'error' | 'timeout' | 'missed'; error: string; at: string };

/** Never throws, never blocks: enqueues into the durable outbox. */
export type Notify = (event: BerthEvent) => void;

export type BerthEventType = BerthEvent['type'];

/** The Dokploy flag a notification turns on to receive each event (the contract's names). */
export const eventFlag = {
  'deployment.done': 'appDeploy',
  'deployment.failed': 'appBuildError',
  // Dokploy has no flag for a failing application: it is an application error, like a failed build.
  'application.unhealthy': 'appBuildError',
  'server.threshold': 'serverThreshold',
  'server.restarted': 'dokployRestart',
  'backup.done': 'dokployBackup',
  'backup.failed': 'dokployBackup',
  'cleanup.done': 'dockerCleanup',
  // Dokploy sends nothing for schedules: a failed run is an application's (or the server's) error
  'schedule.failed': 'appBuildError',
} as const satisfies Record<BerthEventType, string>;

export type EventFlag = (typeof eventFlag)[BerthEventType];

/**
 * An event's identity: the same event emitted twice (a retry of the code that emits it)
 * is enqueued once per notification.
 */
export function eventKey(event: BerthEvent): string {
  switch (event.type) {
    case 'deployment.done':
    case 'deployment.failed':
      return `${event.type}:${event.deploymentId}`;
    case 'application.unhealthy':
      return `${event.type}:${event.applicationId}:${event.at}`;
    case 'server.threshold':
      return `${event.type}:${event.metric}:${event.at}`;
    case 'schedule.failed':
      return `${event.type}:${event.deploymentId}`;
    default:
      return `${event.type}:${event.at}`;
  }
}

/** Where the event happened, as the message names it: resolved from the store when the event is enqueued. */
export interface EventSubject {
  projectName?: string;
  environmentName?: string;
  applicationName?: string;
  appName?: string;
  deploymentTitle?: string;
}
