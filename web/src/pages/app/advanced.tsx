import { AreaField, CheckField, cpus, joinLines, lines, mebibytes, numberOrNull, options, seconds, SelectField, SettingsForm, TextField, useForm } from './fields';
import { RowEditor, Rows } from './rows';
import type { AppProps } from './types';

/** The Advanced tab: ports, mounts, redirects, basic auth, resources, health, and how the container runs. */
export function Advanced({ app, reload }: AppProps) {
  return (
    <>
      <Ports app={app} reload={reload} />
      <Mounts app={app} reload={reload} />
      <Redirects app={app} reload={reload} />
      <BasicAuth app={app} reload={reload} />
      <Resources app={app} reload={reload} />
      <Health app={app} reload={reload} />
      <Run app={app} reload={reload} />
    </>
  );
}

type RowForm<T> = { app: any; row?: T; done(): void; reload(): void };

interface Port {
  portId: string;
  publishedPort: number;
  targetPort: number;
  protocol: string;
  publishMode: string;
}

function Ports({ app, reload }: AppProps) {
  return (
    <Rows<Port>
      title="Ports"
      intro={<p class="muted">Published on the host, outside Traefik (for TCP/UDP services). Applied on the next deploy or reload.</p>}
      items={app.ports ?? []}
      keyOf={(p) => p.portId}
      nameOf={(p) => `port ${p.publishedPort}`}
      describe={(p) => (
        <>
          <strong>
            {p.publishedPort} → {p.targetPort}
          </strong>{' '}
          <span class="facts">
            {p.protocol}, {p.publishMode} mode
          </span>
        </>
      )}
      editor={(row, done) => <PortForm app={app} row={row} done={done} reload={reload} />}
      remove={(p) => ['port.delete', { portId: p.portId }]}
      addLabel="Add port"
      empty="No published port."
      reload={reload}
    />
  );
}

function PortForm({ app, row, done, reload }: RowForm<Port>) {
  const f = useForm(() => ({ publishedPort: String(row?.publishedPort ?? ''), targetPort: String(row?.targetPort ?? ''), protocol: row?.protocol ?? 'tcp', publishMode: row?.publishMode ?? 'host' }));
  const submit = (): [string, Record<string, unknown>] => {
    const v = { ...f.values, publishedPort: numberOrNull(f.values.publishedPort), targetPort: numberOrNull(f.values.targetPort) };
    return row ? ['port.update', { portId: row.portId, ...v }] : ['port.create', { applicationId: app.applicationId, ...v }];
  };
  return (
    <RowEditor noun="port" editing={row && `port ${row.publishedPort}`} done={done} reload={reload} submit={submit}>
      <TextField label="Published port" inputMode="numeric" {...f.text('publishedPort')} />
      <TextField label="Container port" inputMode="numeric" {...f.text('targetPort')} />
      <SelectField label="Protocol" options={options(['tcp', 'udp'])} {...f.text('protocol')} />
      <SelectField
        label="Publish mode"
        options={[
          ['host', 'host (the node running the task)'],
          ['ingress', 'ingress (routing mesh)'],
        ]}
        {...f.text('publishMode')}
      />
    </RowEditor>
  );
}

interface Mount {
  mountId: string;
  type: 'volume' | 'bind' | 'file';
  volumeName: string | null;
  hostPath: string | null;
  filePath: string | null;
  content: string | null;
  mountPath: string;
}

const mountSource = (m: Mount) => (m.type === 'volume' ? `volume ${m.volumeName}` : m.type === 'bind' ? `host ${m.hostPath}` : `file ${m.filePath}`);

function Mounts({ app, reload }: AppProps) {
  return (
    <Rows<Mount>
      title="Mounts"
      intro={<p class="muted">Volumes, host folders and files in the container. Applied on the next deploy or reload.</p>}
      items={app.mounts ?? []}
      keyOf={(m) => m.mountId}
      nameOf={(m) => `mount ${m.mountPath}`}
      describe={(m) => (
        <>
          <strong>{m.mountPath}</strong> <span class="facts">from {mountSource(m)}</span>
        </>
      )}
      editor={(row, done) => <MountForm app={app} row={row} done={done} reload={reload} />}
      remove={(m) => ['mounts.remove', { mountId: m.mountId }]}
      addLabel="Add mount"
      empty="No mount."
      reload={reload}
    />
  );
}

function MountForm({ app, row, done, reload }: RowForm<Mount>) {
  const f = useForm(() => ({ type: row?.type ?? 'volume', volumeName: row?.volumeName ?? '', hostPath: row?.hostPath ?? '', filePath: row?.filePath ?? '', content: row?.content ?? '', mountPath: row?.mountPath ?? '' }));
  const type = f.values.type;
  const submit = (): [string, Record<string, unknown>] => {
    const v = f.values;
    const source = type === 'volume' ? { volumeName: v.volumeName } : type === 'bind' ? { hostPath: v.hostPath } : { filePath: v.filePath, content: v.content };
    const input = { type, mountPath: v.mountPath, ...source };
    return row ? ['mounts.update', { mountId: row.mountId, ...input }] : ['mounts.create', { serviceId: app.applicationId, serviceType: 'application', ...input }];
  };
  return (
    <RowEditor noun="mount" editing={row && `mount ${row.mountPath}`} done={done} reload={reload} submit={submit}>
      <SelectField
        label="Mount type"
        options={[
          ['volume', 'Volume'],
          ['bind', 'Host folder (bind)'],
          ['file', 'File'],
        ]}
        {...f.text('type')}
      />
      {type === 'volume' && <TextField label="Volume name" {...f.text('volumeName')} />}
      {type === 'bind' && <TextField label="Host path" placeholder="/srv/data" {...f.text('hostPath')} />}
      {type === 'file' && <TextField label="File name" placeholder="config/app.conf" hint="Kept in the application's files folder." {...f.text('filePath')} />}
      <TextField label="Path in the container" placeholder="/data" {...f.text('mountPath')} />
      {type === 'file' && <AreaField label="File content" rows={6} {...f.text('content')} />}
    </RowEditor>
  );
}

interface Redirect {
  redirectId: string;
  regex: string;
  replacement: string;
  permanent: boolean;
}

function Redirects({ app, reload }: AppProps) {
  return (
    <Rows<Redirect>
      title="Redirects"
      intro={<p class="muted">Regular-expression redirects on every domain of the application, applied at once.</p>}
      items={app.redirects ?? []}
      keyOf={(r) => r.redirectId}
      nameOf={(r) => `redirect ${r.regex}`}
      describe={(r) => (
        <>
          <code>{r.regex}</code> → <code>{r.replacement}</code> <span class="facts">{r.permanent ? '301 permanent' : '302 temporary'}</span>
        </>
      )}
      editor={(row, done) => <RedirectForm app={app} row={row} done={done} reload={reload} />}
      remove={(r) => ['redirects.delete', { redirectId: r.redirectId }]}
      addLabel="Add redirect"
      empty="No redirect."
      reload={reload}
    />
  );
}

function RedirectForm({ app, row, done, reload }: RowForm<Redirect>) {
  const f = useForm(() => ({ regex: row?.regex ?? '', replacement: row?.replacement ?? '', permanent: !!row?.permanent }));
  const submit = (): [string, Record<string, unknown>] => (row ? ['redirects.update', { redirectId: row.redirectId, ...f.values }] : ['redirects.create', { applicationId: app.applicationId, ...f.values }]);
  return (
    <RowEditor noun="redirect" editing={row && 'redirect'} done={done} reload={reload} submit={submit}>
      <TextField label="Regular expression" placeholder="^https?://www\.(.*)" {...f.text('regex')} />
      <TextField label="Replacement" placeholder="https://${1}" {...f.text('replacement')} />
      <CheckField label="Permanent (301)" {...f.check('permanent')} />
    </RowEditor>
  );
}

interface User {
  securityId: string;
  username: string;
}

function BasicAuth({ app, reload }: AppProps) {
  return (
    <Rows<User>
      title="Basic auth"
      intro={<p class="muted">When there are users, every domain asks for one of them. Passwords are write-only.</p>}
      items={app.security ?? []}
      keyOf={(u) => u.securityId}
      nameOf={(u) => `user ${u.username}`}
      describe={(u) => <strong>{u.username}</strong>}
      editor={(row, done) => <UserForm app={app} row={row} done={done} reload={reload} />}
      remove={(u) => ['security.delete', { securityId: u.securityId }]}
      addLabel="Add user"
      empty="No user: the domains are open."
      reload={reload}
    />
  );
}

function UserForm({ app, row, done, reload }: RowForm<User>) {
  const f = useForm(() => ({ username: row?.username ?? '', password: '' }));
  const submit = (): [string, Record<string, unknown>] => (row ? ['security.update', { securityId: row.securityId, ...f.values }] : ['security.create', { applicationId: app.applicationId, ...f.values }]);
  return (
    <RowEditor noun="user" editing={row && `user ${row.username}`} done={done} reload={reload} submit={submit}>
      <TextField label="Username" {...f.text('username')} />
      <TextField label={row ? 'New password' : 'Password'} type="password" autocomplete="new-password" {...f.text('password')} />
    </RowEditor>
  );
}

function Resources({ app, reload }: AppProps) {
  const f = useForm(() => ({
    memoryLimit: mebibytes.fromApi(app.memoryLimit),
    memoryReservation: mebibytes.fromApi(app.memoryReservation),
    cpuLimit: cpus.fromApi(app.cpuLimit),
    cpuReservation: cpus.fromApi(app.cpuReservation),
    replicas: String(app.replicas ?? 1),
  }));
  const v = f.values;
  return (
    <SettingsForm
      title="Resources"
      reload={reload}
      submit={() => [
        'application.update',
        {
          applicationId: app.applicationId,
          memoryLimit: mebibytes.toApi(v.memoryLimit),
          memoryReservation: mebibytes.toApi(v.memoryReservation),
          cpuLimit: cpus.toApi(v.cpuLimit),
          cpuReservation: cpus.toApi(v.cpuReservation),
          replicas: numberOrNull(v.replicas) ?? 1,
        },
      ]}
    >
      <p class="muted">Empty means unlimited. Applied on the next deploy or reload.</p>
      <TextField label="Memory limit (MiB)" inputMode="decimal" {...f.text('memoryLimit')} />
      <TextField label="Memory reservation (MiB)" inputMode="decimal" {...f.text('memoryReservation')} />
      <TextField label="CPU limit (CPUs)" inputMode="decimal" placeholder="e.g. 0.5" {...f.text('cpuLimit')} />
      <TextField label="CPU reservation (CPUs)" inputMode="decimal" {...f.text('cpuReservation')} />
      <TextField label="Replicas" inputMode="numeric" {...f.text('replicas')} />
    </SettingsForm>
  );
}

/** A Docker health-check command as one line of shell, and back (an unchanged line keeps the stored form). */
const commandOf = (test: string[] | undefined) => (test && test.length > 1 ? test.slice(1).join(' ') : '');

function Health({ app, reload }: AppProps) {
  const http = app.httpHealthCheck;
  const cmd = app.healthCheckSwarm;
  const restart = app.restartPolicySwarm;
  const f = useForm(() => ({
    httpOn: !!http,
    httpPath: http?.path ?? '/',
    httpPort: String(http?.port ?? ''),
    httpInterval: String(http?.interval ?? 5),
    httpTimeout: String(http?.timeout ?? 3),
    httpRetries: String(http?.retries ?? 3),
    httpStartPeriod: String(http?.startPeriod ?? 0),
    command: commandOf(cmd?.Test),
    cmdInterval: seconds.fromApi(cmd?.Interval),
    cmdTimeout: seconds.fromApi(cmd?.Timeout),
    cmdStartPeriod: seconds.fromApi(cmd?.StartPeriod),
    cmdRetries: cmd?.Retries == null ? '' : String(cmd.Retries),
    restartCondition: restart?.Condition ?? '',
    restartDelay: seconds.fromApi(restart?.Delay),
    restartMaxAttempts: restart?.MaxAttempts == null ? '' : String(restart.MaxAttempts),
    restartWindow: seconds.fromApi(restart?.Window),
  }));
  const v = f.values;
  const submit = (): [string, Record<string, unknown>] => {
    const httpHealthCheck = v.httpOn
      ? { path: v.httpPath, port: numberOrNull(v.httpPort), interval: numberOrNull(v.httpInterval) ?? undefined, timeout: numberOrNull(v.httpTimeout) ?? undefined, retries: numberOrNull(v.httpRetries) ?? undefined, startPeriod: numberOrNull(v.httpStartPeriod) ?? undefined }
      : null;
    const healthCheckSwarm = v.command.trim()
      ? compact({
          Test: v.command === commandOf(cmd?.Test) ? cmd.Test : ['CMD-SHELL', v.command.trim()],
          Interval: seconds.toApi(v.cmdInterval),
          Timeout: seconds.toApi(v.cmdTimeout),
          StartPeriod: seconds.toApi(v.cmdStartPeriod),
          Retries: numberOrNull(v.cmdRetries) ?? undefined,
        })
      : null;
    const restartPolicySwarm = compact({ Condition: v.restartCondition || undefined, Delay: seconds.toApi(v.restartDelay), MaxAttempts: numberOrNull(v.restartMaxAttempts) ?? undefined, Window: seconds.toApi(v.restartWindow) });
    return ['application.update', { applicationId: app.applicationId, httpHealthCheck, healthCheckSwarm, restartPolicySwarm }];
  };
  return (
    <SettingsForm title="Health check and restarts" reload={reload} submit={submit}>
      <p class="muted">Swarm replaces a task that fails its check; a deploy waits for the new one to be healthy. Applied on the next deploy or reload.</p>
      <h3>HTTP check</h3>
      <CheckField label="Check an HTTP path inside the container" hint="Needs wget or curl and sh in the image." {...f.check('httpOn')} />
      {v.httpOn && (
        <>
          <TextField label="Health path" placeholder="/health" {...f.text('httpPath')} />
          <TextField label="Health port" inputMode="numeric" {...f.text('httpPort')} />
          <TextField label="Interval (s)" inputMode="numeric" {...f.text('httpInterval')} />
          <TextField label="Timeout (s)" inputMode="numeric" {...f.text('httpTimeout')} />
          <TextField label="Retries" inputMode="numeric" {...f.text('httpRetries')} />
          <TextField label="Start period (s)" inputMode="numeric" {...f.text('httpStartPeriod')} />
        </>
      )}
      <h3>Command check</h3>
      <TextField label="Health command" placeholder="curl -f http://localhost:3000/ || exit 1" hint="Run by the container's shell; wins over the HTTP check. Empty: none." wide {...f.text('command')} />
      <TextField label="Command interval (s)" inputMode="decimal" {...f.text('cmdInterval')} />
      <TextField label="Command timeout (s)" inputMode="decimal" {...f.text('cmdTimeout')} />
      <TextField label="Command start period (s)" inputMode="decimal" {...f.text('cmdStartPeriod')} />
      <TextField label="Command retries" inputMode="numeric" {...f.text('cmdRetries')} />
      <h3>Restart policy</h3>
      <SelectField
        label="Restart"
        options={[
          ['', 'Docker default (any)'],
          ['any', 'Always'],
          ['on-failure', 'On failure'],
          ['none', 'Never'],
        ]}
        {...f.text('restartCondition')}
      />
      <TextField label="Restart delay (s)" inputMode="decimal" {...f.text('restartDelay')} />
      <TextField label="Max attempts" inputMode="numeric" {...f.text('restartMaxAttempts')} />
      <TextField label="Attempt window (s)" inputMode="decimal" {...f.text('restartWindow')} />
    </SettingsForm>
  );
}

/** The object without its undefined fields; null when nothing is left (the API's "default"). */
function compact(o: Record<string, unknown>): Record<string, unknown> | null {
  const kept = Object.entries(o).filter(([, v]) => v !== undefined);
  return kept.length ? Object.fromEntries(kept) : null;
}

/** `KEY=value` lines ↔ a labels object. */
const labelsText = (labels: Record<string, string> | null | undefined) =>
  Object.entries(labels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');
function labelsOf(text: string): Record<string, string> | null {
  const entries = (lines(text) ?? []).map((l) => {
    const i = l.indexOf('=');
    return i < 0 ? [l, ''] : [l.slice(0, i).trim(), l.slice(i + 1).trim()];
  });
  return entries.length ? Object.fromEntries(entries) : null;
}

function Run({ app, reload }: AppProps) {
  const f = useForm(() => ({
    command: app.command ?? '',
    args: joinLines(app.args),
    initProcess: app.initProcess !== false,
    stopGracePeriod: seconds.fromApi(app.stopGracePeriodSwarm),
    labels: labelsText(app.labelsSwarm),
    constraints: joinLines(app.placementSwarm?.Constraints),
    updateOrder: app.updateConfigSwarm?.Order ?? '',
    updateParallelism: String(app.updateConfigSwarm?.Parallelism ?? 1),
    updateFailureAction: app.updateConfigSwarm?.FailureAction ?? '',
  }));
  const v = f.values;
  const submit = (): [string, Record<string, unknown>] => {
    const placement = compact({ ...(app.placementSwarm ?? {}), Constraints: lines(v.constraints) ?? undefined });
    // Swarm needs Parallelism and Order together; no order chosen means Berth's default rollout.
    const updateConfigSwarm = v.updateOrder
      ? { ...(app.updateConfigSwarm ?? {}), Order: v.updateOrder, Parallelism: numberOrNull(v.updateParallelism) ?? 1, FailureAction: v.updateFailureAction || undefined }
      : null;
    return [
      'application.update',
      {
        applicationId: app.applicationId,
        command: v.command,
        args: lines(v.args),
        initProcess: v.initProcess,
        stopGracePeriodSwarm: seconds.toApi(v.stopGracePeriod) ?? null,
        labelsSwarm: labelsOf(v.labels),
        placementSwarm: placement,
        updateConfigSwarm,
      },
    ];
  };
  return (
    <SettingsForm title="Container" reload={reload} submit={submit}>
      <p class="muted">Applied on the next deploy or reload.</p>
      <TextField label="Command" placeholder="(the image's own)" hint="Replaces the image's command." wide {...f.text('command')} />
      <AreaField label="Arguments" rows={3} hint="One per line." {...f.text('args')} />
      <CheckField label="Run behind an init process" hint="Off: the image's entrypoint is PID 1." {...f.check('initProcess')} />
      <TextField label="Stop grace period (s)" inputMode="decimal" {...f.text('stopGracePeriod')} />
      <AreaField label="Container labels" rows={3} hint="One KEY=value per line." {...f.text('labels')} />
      <AreaField label="Placement constraints" rows={2} hint="One per line, e.g. node.role==manager." {...f.text('constraints')} />
      <SelectField
        label="Update order"
        options={[
          ['', 'Default (start the new task first, roll back on failure)'],
          ['start-first', 'Start the new task first'],
          ['stop-first', 'Stop the old task first'],
        ]}
        {...f.text('updateOrder')}
      />
      {f.values.updateOrder && (
        <>
          <TextField label="Tasks updated at once" inputMode="numeric" {...f.text('updateParallelism')} />
          <SelectField
            label="When an update fails"
            options={[
              ['', "Docker's default (pause)"],
              ['rollback', 'Roll back'],
              ['pause', 'Pause'],
              ['continue', 'Continue'],
            ]}
            {...f.text('updateFailureAction')}
          />
        </>
      )}
    </SettingsForm>
  );
}
