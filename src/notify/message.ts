import type { BerthEvent, EventSubject } from '../model/events.js';

/**
 * An event as every provider shows it (pure): a title, one line, the facts as label/value
 * pairs, the error and log lines when something failed, and a link to the dashboard page.
 * Providers only format this; none reads the event itself (but the custom webhook, which
 * also sends the event as it is).
 */
export interface Message {
  level: 'success' | 'error' | 'warning' | 'info';
  title: string;
  summary: string;
  facts: [label: string, value: string][];
  error?: string;
  logTail?: string[];
  link?: string;
  at: string;
  event: BerthEvent;
  subject: EventSubject;
}

/** Longest error a message carries: providers cap their fields (Discord's at 1024), and a log says the rest. */
export const ERROR_CHARS = 800;

/** `text` cut to `max` characters, marked when cut. */
export function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}

const percent = (n: number) => `${n.toFixed(1)} %`;

function bytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i ? n.toFixed(1) : n} ${units[i]}`;
}

const durationText = (s: number) => (s >= 120 ? `${Math.round(s / 60)} min` : `${s} s`);

/** The dashboard page an event links to: the application's deployments tab, or nothing. */
export function linkOf(event: BerthEvent, publicUrl: string): string | undefined {
  if (!publicUrl || !('applicationId' in event) || !event.applicationId) return undefined;
  const tab = event.type === 'application.unhealthy' ? 'general' : 'deployments';
  return `${publicUrl.replace(/\/+$/, '')}/application/${encodeURIComponent(event.applicationId)}/${tab}`;
}

/** The facts naming where an application event happened. */
function where(subject: EventSubject, event: { applicationId: string; deploymentId?: string }): [string, string][] {
  const facts: [string, string][] = [
    ['Project', subject.projectName ?? '(deleted)'],
    ['Application', subject.applicationName ? `${subject.applicationName} (${subject.appName})` : event.applicationId],
    ['Environment', subject.environmentName ?? '(deleted)'],
  ];
  if (event.deploymentId) facts.push(['Deployment', subject.deploymentTitle ? `${subject.deploymentTitle} (${event.deploymentId})` : event.deploymentId]);
  return facts;
}

/** The message for `event`, named with `subject` (resolved when the event was queued). */
export function messageOf(event: BerthEvent, subject: EventSubject, publicUrl: string): Message {
  const app = subject.applicationName ?? ('applicationId' in event ? (event.applicationId ?? 'the server') : '');
  const base = { at: event.at, event, subject, link: linkOf(event, publicUrl) };
  switch (event.type) {
    case 'deployment.done':
      return { ...base, level: 'success', title: `Deployed: ${app}`, summary: `${app} was deployed and its new tasks are running.`, facts: where(subject, event) };
    case 'deployment.failed':
      return {
        ...base,
        level: 'error',
        title: `Deployment failed: ${app}`,
        summary: `The deployment of ${app} failed; the previous release keeps running.`,
        facts: where(subject, event),
        error: cut(event.error, ERROR_CHARS),
        logTail: event.logTail,
      };
    case 'application.unhealthy': {
      const why = { 'crash-loop': 'keeps crashing', 'oom-killed': 'was killed: out of memory', unhealthy: 'is not healthy' }[event.reason];
      return { ...base, level: 'error', title: `Application ${why}: ${app}`, summary: `${app} ${why}.`, facts: where(subject, event), error: cut(event.detail, ERROR_CHARS) };
    }
    case 'server.threshold': {
      const metric = { cpu: 'CPU', memory: 'Memory', disk: 'Disk' }[event.metric];
      return {
        ...base,
        level: 'warning',
        title: `Server ${metric} above ${event.threshold} %`,
        summary: `${metric} use has been ${percent(event.value)}${event.forSeconds ? ` for ${durationText(event.forSeconds)}` : ''}, above the ${event.threshold} % threshold.`,
        facts: [
          ['Metric', metric],
          ['Value', percent(event.value)],
          ['Threshold', `${event.threshold} %`],
          ...(event.forSeconds ? [['For', durationText(event.forSeconds)] as [string, string]] : []),
        ],
      };
    }
    case 'server.restarted':
      return { ...base, level: 'info', title: 'Berth restarted', summary: `Berth ${event.version} started.`, facts: [['Version', event.version]] };
    case 'backup.done':
      return {
        ...base,
        level: 'success',
        title: 'Backup done',
        summary: `The server backup was written (${bytes(event.sizeBytes)}).`,
        facts: [['File', event.file], ['Size', bytes(event.sizeBytes)], ...(event.destinationId ? [['Destination', event.destinationId] as [string, string]] : [])],
      };
    case 'backup.failed':
      return {
        ...base,
        level: 'error',
        title: 'Backup failed',
        summary: 'The server backup failed.',
        facts: event.destinationId ? [['Destination', event.destinationId]] : [],
        error: cut(event.error, ERROR_CHARS),
      };
    case 'cleanup.done':
      return { ...base, level: 'info', title: 'Docker cleanup done', summary: `Docker cleanup freed ${bytes(event.freedBytes)}.`, facts: [['Freed', bytes(event.freedBytes)], ['Detail', event.detail]] };
    case 'schedule.failed': {
      const what = { error: 'failed', timeout: 'timed out', missed: 'missed runs' }[event.status];
      const facts: [string, string][] = event.applicationId ? where(subject, { applicationId: event.applicationId }) : [['Where', 'the Berth server']];
      facts.push(['Schedule', event.scheduleId], ['Run', event.deploymentId]);
      return { ...base, level: 'error', title: `Schedule ${what}: ${app}`, summary: `A scheduled job of ${app} ${what}.`, facts, error: cut(event.error, ERROR_CHARS) };
    }
  }
}

/** What `test<Provider>Connection` sends. */
export function testMessage(publicUrl: string): Message {
  const at = new Date().toISOString();
  const event: BerthEvent = { type: 'server.restarted', version: 'test', at };
  return { level: 'info', title: 'Test notification from Berth', summary: 'Berth can reach this channel.', facts: [], at, event, subject: {}, link: publicUrl || undefined };
}

/** The message as plain text (Gotify, ntfy, Pushover, e-mail's text part). */
export function plainText(m: Message, maxLogLines = 10): string {
  const lines = [m.summary, '', ...m.facts.map(([k, v]) => `${k}: ${v}`)];
  if (m.error) lines.push('', `Error: ${m.error}`);
  if (m.logTail?.length) lines.push('', 'Last log lines:', ...m.logTail.slice(-maxLogLines));
  if (m.link) lines.push('', m.link);
  return lines.join('\n').trim();
}

/** A colour per level (Slack, Discord, Lark, Teams). */
export const levelColor = { success: '#2eb886', error: '#d9363e', warning: '#e8a317', info: '#3b82f6' } as const;
