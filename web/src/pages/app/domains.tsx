import { useState } from 'preact/hooks';
import { mutate } from '../../api';
import { useCan } from '../../caller';
import { useAction, useQuery } from '../../hooks';
import { ErrorText, Loading } from '../../ui';
import { CheckField, commaList, numberOrNull, SelectField, TextField, useForm } from './fields';
import { RowEditor, Rows } from './rows';
import type { AppProps } from './types';

interface Domain {
  domainId: string;
  host: string;
  path: string | null;
  port: number | null;
  https: boolean;
  certificateType: string;
  customCertResolver: string | null;
  customEntrypoint: string | null;
  internalPath: string | null;
  stripPath: boolean;
  middlewares: string[] | null;
  enabled?: boolean;
}

interface DnsAnswer {
  isValid: boolean;
  resolvedIp?: string;
  error?: string;
  isCloudflare?: boolean;
  cdnProvider?: string;
}

export const CERTIFICATES: [string, string][] = [
  ['none', 'None (default certificate)'],
  ['letsencrypt', "Let's Encrypt"],
  ['custom', 'Custom resolver'],
];

export const urlOf = (d: Pick<Domain, 'host' | 'path' | 'https'>) => `${d.https ? 'https' : 'http'}://${d.host}${d.path && d.path !== '/' ? d.path : ''}`;

/** The Domains tab: the hosts Traefik routes to this application, added, changed, removed and checked. */
export function DomainsTab({ app, reload }: AppProps) {
  const list = useQuery<Domain[]>('domain.byApplicationId', { applicationId: app.applicationId });
  const { admin } = useCan();
  const [dns, setDns] = useState<Record<string, DnsAnswer>>({});
  const check = useAction(async (d: Domain) => {
    const answer = await mutate<DnsAnswer>('domain.validateDomain', { domain: d.host });
    setDns((s) => ({ ...s, [d.domainId]: answer }));
  });
  const reloadAll = () => {
    list.reload();
    reload();
  };
  if (list.error) return <ErrorText error={list.error} />;
  if (!list.data) return <Loading />;
  return (
    <>
      <Rows<Domain>
        title="Domains"
        intro={<p class="muted">Changes are routed at once, without a redeploy.</p>}
        items={list.data}
        keyOf={(d) => d.domainId}
        nameOf={(d) => d.host}
        describe={(d) => (
          <>
            <a href={urlOf(d)} target="_blank" rel="noreferrer">
              {urlOf(d)}
            </a>
            {d.enabled === false && <span class="muted"> (disabled)</span>}
            <div class="facts">
              to port {d.port ?? 3000}
              {d.https && `, certificate: ${d.certificateType === 'custom' ? `resolver ${d.customCertResolver}` : d.certificateType}`}
              {d.customEntrypoint && `, entrypoint ${d.customEntrypoint}`}
              {d.internalPath && d.internalPath !== '/' && `, forwarded under ${d.internalPath}`}
              {d.stripPath && ', path stripped'}
              {d.middlewares?.length ? `, middlewares ${d.middlewares.join(', ')}` : ''}
            </div>
            {dns[d.domainId] && <DnsResult answer={dns[d.domainId]} />}
          </>
        )}
        extra={(d) =>
          admin && (
            <button type="button" onClick={() => check.run(d)} disabled={check.busy} aria-label={`Check DNS of ${d.host}`}>
              Check DNS
            </button>
          )
        }
        editor={(d, done) => <DomainForm app={app} domain={d} done={done} reload={reloadAll} />}
        remove={(d) => ['domain.delete', { domainId: d.domainId }]}
        addLabel="Add domain"
        empty="No domain yet: the application is reachable only inside the Swarm network."
        reload={reloadAll}
      />
      <ErrorText error={check.error} />
    </>
  );
}

function DnsResult({ answer }: { answer: DnsAnswer }) {
  const cdn = answer.cdnProvider ?? (answer.isCloudflare ? 'Cloudflare' : undefined);
  const text = answer.isValid
    ? `DNS points here${answer.resolvedIp ? ` (${answer.resolvedIp})` : ''}${cdn ? `, behind ${cdn}` : ''}`
    : `DNS check failed: ${answer.error ?? (answer.resolvedIp ? `resolves to ${answer.resolvedIp}, not this server` : 'no answer')}`;
  return (
    <p class={answer.isValid ? 'dns ok' : 'dns bad'} role="status">
      {text}
    </p>
  );
}

function DomainForm({ app, domain, done, reload }: { app: any; domain?: Domain; done(): void; reload(): void }) {
  const f = useForm(() => ({
    host: domain?.host ?? '',
    path: domain?.path ?? '/',
    port: String(domain?.port ?? 3000),
    https: !!domain?.https,
    certificateType: domain?.certificateType ?? 'none',
    customCertResolver: domain?.customCertResolver ?? '',
    customEntrypoint: domain?.customEntrypoint ?? '',
    internalPath: domain?.internalPath ?? '/',
    stripPath: !!domain?.stripPath,
    middlewares: (domain?.middlewares ?? []).join(', '),
    enabled: domain?.enabled !== false,
  }));
  const generate = useAction(async () => f.set('host', await mutate<string>('domain.generateDomain', { appName: app.appName })));
  const submit = (): [string, Record<string, unknown>] => {
    const { enabled, ...v } = f.values;
    const fields = { ...v, port: numberOrNull(v.port), middlewares: commaList(v.middlewares), customCertResolver: v.certificateType === 'custom' ? v.customCertResolver : null };
    return domain ? ['domain.update', { domainId: domain.domainId, ...fields, enabled }] : ['domain.create', { applicationId: app.applicationId, ...fields }];
  };
  return (
    <RowEditor noun="domain" editing={domain?.host} done={done} reload={reload} submit={submit}>
      <div class="field wide">
        <TextField label="Host" placeholder="app.example.com" {...f.text('host')} wide />
        <button type="button" onClick={() => generate.run()} disabled={generate.busy}>
          Generate a host
        </button>
        <ErrorText error={generate.error} />
      </div>
      <TextField label="Path" placeholder="/" {...f.text('path')} />
      <TextField label="Container port" inputMode="numeric" {...f.text('port')} />
      <CheckField label="HTTPS" {...f.check('https')} />
      {f.values.https && <SelectField label="Certificate" options={CERTIFICATES} {...f.text('certificateType')} />}
      {f.values.https && f.values.certificateType === 'custom' && <TextField label="Certificate resolver" {...f.text('customCertResolver')} />}
      <TextField label="Entrypoint" placeholder="(web and websecure)" {...f.text('customEntrypoint')} />
      <TextField label="Internal path" placeholder="/" hint="Prefix added before forwarding." {...f.text('internalPath')} />
      <CheckField label="Strip the path before forwarding" {...f.check('stripPath')} />
      <TextField label="Extra Traefik middlewares" placeholder="compress@file, ratelimit@file" hint="Comma-separated names." wide {...f.text('middlewares')} />
      {domain && <CheckField label="Enabled (routed)" {...f.check('enabled')} />}
    </RowEditor>
  );
}
