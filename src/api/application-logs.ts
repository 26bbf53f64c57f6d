import { redactorFor } from '../deploy/redact.js';
import type { Containers, TaskWithSpec } from '../docker/containers.js';
import { LogDecoder, type LogEntry } from '../docker/log-stream.js';
import { formatLogLine, inWindow, LatestLines, logWindow, readLogsInput, type LogWindow } from '../model/container-logs.js';
import { parseDotenv } from '../model/dotenv.js';
import { notFound } from '../model/errors.js';
import type { Redactor } from '../secrets/redact.js';
import type { Store } from '../store/index.js';
import { group, query } from './procedure.js';

/**
 * The runtime logs of an application: every task of its Swarm service, replaced ones
 * included (as long as Swarm keeps them), read with `GET /services/{id}/logs`. Every line
 * is redacted before it is filtered or returned: a search cannot probe for a secret.
 */

interface Line {
  ts: string;
  text: string;
}

/** One application's logs as a caller may see them: its service, and what must never show. */
export interface AppLogs {
  appName: string;
  redactor: Redactor;
  /** Tasks whose env is in the redactor. */
  known: Set<string>;
}

/**
 * What the logs of `applicationId` (or of its preview `previewDeploymentId`: that preview's
 * service) must never show: every secret a deployment log hides (env, build args and
 * secrets of the app and of its previews, its environment and project), and the env each
 * of its tasks was started with (an old task ran with the values before a rotation).
 * A preview of another application is not found, as one that does not exist.
 */
export async function appLogs(deps: { store: Store; containers: Containers }, applicationId: string, previewDeploymentId?: string | null): Promise<AppLogs> {
  const app = deps.store.applications.one(applicationId);
  const shared = [app.environment.env, app.environment.project.env].flatMap((text) => Object.values(parseDotenv(text)));
  const preview = previewDeploymentId ? deps.store.previews.get(previewDeploymentId) : undefined;
  if (preview && preview.applicationId !== applicationId) throw notFound('Preview deployment', preview.previewDeploymentId);
  // the application's secret columns hold its previews' too (previewEnv, previewBuildArgs,
  // previewBuildSecrets): a preview runs with nothing secret that the application lacks
  const appName = preview?.appName ?? app.appName;
  const logs: AppLogs = { appName, redactor: redactorFor(app, shared), known: new Set() };
  learnTasks(logs, await deps.containers.tasks(appName));
  return logs;
}

function learnTasks(logs: AppLogs, tasks: TaskWithSpec[]) {
  for (const task of tasks) {
    logs.known.add(task.ID);
    for (const pair of task.Spec.ContainerSpec?.Env ?? []) logs.redactor.add(pair.slice(pair.indexOf('=') + 1));
  }
}

const redacted = (logs: AppLogs, e: LogEntry): Line => ({ ts: e.ts, text: logs.redactor.redact(e.text) });

/**
 * The latest `window.tail` lines in the window, oldest first, and the timestamp of the
 * newest line Docker sent at all (where a follow-up stream takes over).
 */
export async function readAppLogs(containers: Containers, logs: AppLogs, window: LogWindow, signal?: AbortSignal): Promise<{ lines: Line[]; newest?: string }> {
  // the engine's tail counts lines before any filter: with one, read everything
  const filtered = !!(window.search || window.until);
  const source = await containers.serviceLogs(logs.appName, {
    follow: false,
    since: window.sinceMs === undefined ? undefined : window.sinceMs / 1000,
    tail: filtered ? undefined : window.tail,
    signal,
  });
  if (!source) return { lines: [] };
  const latest = new LatestLines<Line>(window.tail);
  const decoder = new LogDecoder(source.tty);
  let newest: string | undefined;
  const take = (entries: LogEntry[]) => {
    for (const e of entries) {
      if (!newest || e.ts > newest) newest = e.ts;
      const line = redacted(logs, e);
      if (inWindow(window, line)) latest.add(line);
    }
  };
  for await (const chunk of source.body) take(decoder.push(chunk as Buffer));
  take(decoder.end());
  return { lines: latest.list(), newest };
}

/**
 * The latest lines, then every new line of every task of the service, across redeploys
 * (Swarm adds a new task's logs to a followed service's), until `signal` aborts or the
 * service goes away. Lines of a task started after the stream began are redacted with that
 * task's own env.
 */
export async function followAppLogs(containers: Containers, logs: AppLogs, window: LogWindow, onLine: (line: string) => void, signal: AbortSignal): Promise<void> {
  const backlog = await readAppLogs(containers, logs, window, signal);
  for (const line of backlog.lines) onLine(formatLogLine(line));
  const after = backlog.newest;
  const from = after ? Date.parse(after) : window.sinceMs;
  const source = await containers.serviceLogs(logs.appName, { follow: true, since: from === undefined ? undefined : from / 1000, signal });
  if (!source) return;
  const decoder = new LogDecoder(source.tty);
  for await (const chunk of source.body) {
    for (const e of decoder.push(chunk as Buffer)) {
      if (after && e.ts <= after) continue; // sent with the backlog (the engine's since is in ms)
      if (e.taskId && !logs.known.has(e.taskId)) {
        learnTasks(logs, await containers.tasks(logs.appName));
        logs.known.add(e.taskId);
      }
      const line = redacted(logs, e);
      if (inWindow(window, line)) onLine(formatLogLine(line));
    }
  }
}

export default group('application', {
  readLogs: query({
    summary: "The application's runtime logs (all tasks, redacted)",
    output: 'text',
    input: readLogsInput,
    description:
      'Runtime logs of the application: the latest `tail` lines of all tasks of its service (those a redeploy replaced too), oldest first, each `<timestamp> <line>`. `since`/`until` bound them (`30m` ago, or for `until` an ISO time), `search` keeps lines containing it (case-insensitive). With `previewDeploymentId` (Berth\'s addition; "" = not set), the logs of that preview deployment of the application instead (its own service; a preview of another application is a 404). Secret values are redacted, a preview\'s env, build args and build secrets as well as the application\'s. "" when the application (or preview) has no service. Live: GET /api/application.logStream.',
    handler: async (input, { store, containers }) => {
      const logs = await appLogs({ store, containers }, input.applicationId, input.previewDeploymentId);
      const { lines } = await readAppLogs(containers, logs, logWindow(input, Date.now()));
      return lines.map((l) => `${formatLogLine(l)}\n`).join('');
    },
  }),
});
