import { useState } from 'preact/hooks';
import { query, upload, type ApiError } from '../../api';
import { useCan } from '../../caller';
import { useAction, useQuery } from '../../hooks';
import { navigate } from '../../router';
import { ErrorText } from '../../ui';
import { AreaField, CheckField, joinLines, lines, numberOrNull, SelectField, SettingsForm, TextField, useForm } from './fields';
import type { AppProps } from './types';

/** The General tab: name and description, where the code comes from, how it is built, and where its images go. */
export function General({ app, reload }: AppProps) {
  return (
    <>
      <NameForm app={app} reload={reload} />
      <SourceForm app={app} reload={reload} />
      {app.sourceType === 'drop' && <UploadForm app={app} reload={reload} />}
      <BuildForm app={app} reload={reload} />
      <ImagesForm app={app} reload={reload} />
    </>
  );
}

/**
 * An archive for an application whose source is an upload: sent as multipart to
 * `application.dropDeployment`, which stores it and queues its deployment; the Deployments
 * tab then follows that deployment's log.
 */
function UploadForm({ app }: AppProps) {
  const { deploy } = useCan();
  const [file, setFile] = useState<File>();
  const [buildPath, setBuildPath] = useState(app.dropBuildPath ?? '');
  const send = useAction(async () => {
    const form = new FormData();
    form.append('applicationId', app.applicationId);
    if (buildPath) form.append('dropBuildPath', buildPath);
    if (file) form.append('zip', file);
    await upload('application.dropDeployment', form);
    // the upload answers no deployment: the newest one is the one it queued
    const [queued] = await query('deployment.all', { applicationId: app.applicationId });
    navigate(`/application/${app.applicationId}/deployments${queued ? `?deployment=${queued.deploymentId}` : ''}`);
  });
  if (!deploy) return null;
  return (
    <form class="panel" aria-labelledby="upload-title" noValidate onSubmit={(e) => (e.preventDefault(), void send.run())}>
      <h2 id="upload-title">Upload an archive</h2>
      <p class="muted">A .zip or .tar.gz of the code; it replaces the last upload and is deployed at once.</p>
      <label for="upload-file">Archive</label>
      <input id="upload-file" type="file" accept=".zip,.tar.gz,.tgz,application/zip,application/gzip" onChange={(e) => setFile(e.currentTarget.files?.[0])} />
      <label for="upload-path">Build path inside the archive</label>
      <input id="upload-path" value={buildPath} placeholder="/" onInput={(e) => setBuildPath(e.currentTarget.value)} />
      <div class="actions">
        <button type="submit" class="primary" disabled={send.busy}>
          {send.busy ? 'Uploading…' : 'Upload and deploy'}
        </button>
      </div>
      <ErrorText error={send.error} />
    </form>
  );
}

function NameForm({ app, reload }: AppProps) {
  const f = useForm(() => ({ name: app.name ?? '', description: app.description ?? '' }));
  return (
    <SettingsForm title="Name" reload={reload} submit={() => ['application.update', { applicationId: app.applicationId, ...f.values }]}>
      <TextField label="Name" {...f.text('name')} />
      <TextField label="Description" {...f.text('description')} />
    </SettingsForm>
  );
}

const SOURCE_TYPES: [string, string][] = [
  ['github', 'GitHub'],
  ['gitlab', 'GitLab'],
  ['bitbucket', 'Bitbucket'],
  ['gitea', 'Gitea'],
  ['git', 'Git URL'],
  ['docker', 'Docker image'],
  ['drop', 'Uploaded archive'],
];

/** The forge sources: their provider list, save procedure and column names (one form renders them all). */
const FORGES: Record<string, { providers: string; id: string; save: string; owner: string; repository: string; branch: string; buildPath: string; extra: [string, string][] }> = {
  github: { providers: 'github.githubProviders', id: 'githubId', save: 'application.saveGithubProvider', owner: 'owner', repository: 'repository', branch: 'branch', buildPath: 'buildPath', extra: [] },
  gitlab: {
    providers: 'gitlab.gitlabProviders',
    id: 'gitlabId',
    save: 'application.saveGitlabProvider',
    owner: 'gitlabOwner',
    repository: 'gitlabRepository',
    branch: 'gitlabBranch',
    buildPath: 'gitlabBuildPath',
    extra: [
      ['gitlabPathNamespace', 'Path with namespace (group/sub/repo)'],
      ['gitlabProjectId', 'Project ID'],
    ],
  },
  bitbucket: {
    providers: 'bitbucket.bitbucketProviders',
    id: 'bitbucketId',
    save: 'application.saveBitbucketProvider',
    owner: 'bitbucketOwner',
    repository: 'bitbucketRepository',
    branch: 'bitbucketBranch',
    buildPath: 'bitbucketBuildPath',
    extra: [['bitbucketRepositorySlug', 'Repository slug']],
  },
  gitea: { providers: 'gitea.giteaProviders', id: 'giteaId', save: 'application.saveGiteaProvider', owner: 'giteaOwner', repository: 'giteaRepository', branch: 'giteaBranch', buildPath: 'giteaBuildPath', extra: [] },
};

/** Every source column as form text, from the application. */
function sourceValues(app: any): Record<string, any> {
  const v: Record<string, any> = { sourceType: app.sourceType ?? 'github', triggerType: app.triggerType ?? 'push', watchPaths: joinLines(app.watchPaths), enableSubmodules: !!app.enableSubmodules, password: '' };
  for (const forge of Object.values(FORGES)) for (const k of [forge.id, forge.owner, forge.repository, forge.branch, forge.buildPath, ...forge.extra.map(([c]) => c)]) v[k] = app[k] == null ? '' : String(app[k]);
  for (const k of ['customGitUrl', 'customGitBranch', 'customGitBuildPath', 'customGitSSHKeyId', 'dockerImage', 'registryUrl', 'username', 'dropBuildPath']) v[k] = app[k] ?? '';
  return v;
}

/** What the chosen source's save procedure takes, from the form. */
function sourceCall(app: any, v: Record<string, any>): [string, Record<string, unknown>] {
  const applicationId = app.applicationId;
  const git = { watchPaths: lines(v.watchPaths), enableSubmodules: v.enableSubmodules };
  const forge = FORGES[v.sourceType];
  if (forge) {
    const input: Record<string, unknown> = { applicationId, ...git };
    for (const k of [forge.owner, forge.repository, forge.branch, forge.buildPath, ...forge.extra.map(([c]) => c)]) input[k] = v[k];
    input[forge.id] = v[forge.id] || null;
    if (v.sourceType === 'github') input.triggerType = v.triggerType;
    if (v.sourceType === 'gitlab') input.gitlabProjectId = numberOrNull(v.gitlabProjectId);
    return [forge.save, input];
  }
  if (v.sourceType === 'git')
    return ['application.saveGitProvider', { applicationId, ...git, customGitUrl: v.customGitUrl, customGitBranch: v.customGitBranch, customGitBuildPath: v.customGitBuildPath, customGitSSHKeyId: v.customGitSSHKeyId || null }];
  if (v.sourceType === 'docker') {
    // The password is write-only: sent only when typed, an absent one keeps the stored password.
    const input: Record<string, unknown> = { applicationId, dockerImage: v.dockerImage, registryUrl: v.registryUrl, username: v.username };
    if (v.password) input.password = v.password;
    return ['application.saveDockerProvider', input];
  }
  return ['application.update', { applicationId, sourceType: 'drop', dropBuildPath: v.dropBuildPath }];
}

function SourceForm({ app, reload }: AppProps) {
  const f = useForm(() => sourceValues(app));
  const type = f.values.sourceType as string;
  const forge = FORGES[type];
  return (
    <SettingsForm title="Source" reload={reload} submit={() => sourceCall(app, f.values)} onSaved={() => f.set('password', '')}>
      <SelectField label="Source type" options={SOURCE_TYPES} {...f.text('sourceType')} wide />
      {forge && <ForgeFields forge={forge} f={f} />}
      {type === 'git' && <GitUrlFields f={f} />}
      {type === 'docker' && (
        <>
          <TextField label="Image" placeholder="nginx:1.27" {...f.text('dockerImage')} />
          <TextField label="Registry URL" placeholder="registry.example.com (empty: Docker Hub)" {...f.text('registryUrl')} />
          <TextField label="Registry username" {...f.text('username')} />
          <TextField
            label="Registry password"
            type="password"
            autocomplete="new-password"
            placeholder={app.password ? 'Stored (type to replace)' : 'Not set'}
            hint="Write-only: the stored password is never shown."
            {...f.text('password')}
          />
        </>
      )}
      {type === 'drop' && (
        <>
          <p class="muted">The code is an uploaded archive (zip): each upload (application.dropDeployment) replaces it and deploys.</p>
          <TextField label="Build path inside the archive" placeholder="/" {...f.text('dropBuildPath')} />
        </>
      )}
      {(forge || type === 'git') && (
        <>
          <AreaField label="Watch paths" rows={2} hint="One glob per line; a push deploys only when a changed file matches. Empty: every push." {...f.text('watchPaths')} />
          <CheckField label="Clone submodules" {...f.check('enableSubmodules')} />
        </>
      )}
    </SettingsForm>
  );
}

/** A picker's list that could not be loaded: the server's message, across the form. */
function ListError({ error }: { error?: ApiError }) {
  return error ? (
    <div class="wide">
      <ErrorText error={error} />
    </div>
  ) : null;
}

type Form = ReturnType<typeof useForm<Record<string, any>>>;

function ForgeFields({ forge, f }: { forge: (typeof FORGES)[string]; f: Form }) {
  const providers = useQuery<any[]>(forge.providers);
  const idOf = (p: any) => p[forge.id] as string;
  const stored = f.values[forge.id] as string;
  const known = providers.data?.some((p) => idOf(p) === stored);
  const choices: [string, string][] = [
    ['', 'None (public repository)'],
    ...(providers.data ?? []).map((p): [string, string] => [idOf(p), p.gitProvider?.name ?? idOf(p)]),
    ...(stored && !known ? [[stored, `${stored} (not ready)`] as [string, string]] : []),
  ];
  return (
    <>
      <SelectField label="Provider" options={choices} {...f.text(forge.id)} hint={providers.loading ? 'Loading providers…' : 'Git providers whose credentials are complete.'} />
      <ListError error={providers.error} />
      <TextField label="Owner" hint="User, organization, group or workspace." {...f.text(forge.owner)} />
      <TextField label="Repository" {...f.text(forge.repository)} />
      <TextField label="Branch" placeholder="main" {...f.text(forge.branch)} />
      <TextField label="Build path" placeholder="/" {...f.text(forge.buildPath)} />
      {forge.extra.map(([k, label]) => (
        <TextField label={label} {...f.text(k)} />
      ))}
      {f.values.sourceType === 'github' && (
        <SelectField
          label="Deploy on"
          options={[
            ['push', 'Pushes to the branch'],
            ['tag', 'New tags'],
          ]}
          {...f.text('triggerType')}
        />
      )}
      <p class="muted">Berth does not list the forge's repositories and branches here: type them as the forge names them.</p>
    </>
  );
}

function GitUrlFields({ f }: { f: Form }) {
  const keys = useQuery<any[]>('sshKey.all');
  const stored = f.values.customGitSSHKeyId as string;
  const choices: [string, string][] = [['', 'None (HTTPS or a public repository)'], ...(keys.data ?? []).map((k): [string, string] => [k.sshKeyId, k.name])];
  if (stored && !keys.data?.some((k) => k.sshKeyId === stored)) choices.push([stored, stored]);
  return (
    <>
      <TextField label="Repository URL" placeholder="https://git.example.com/team/app.git or git@host:team/app.git" {...f.text('customGitUrl')} wide />
      <TextField label="Branch" placeholder="main" {...f.text('customGitBranch')} />
      <TextField label="Build path" placeholder="/" {...f.text('customGitBuildPath')} />
      <SelectField label="SSH key" options={choices} {...f.text('customGitSSHKeyId')} hint="For ssh:// and user@host:path URLs." />
      <ListError error={keys.error} />
    </>
  );
}

const BUILD_TYPES: [string, string][] = [
  ['dockerfile', 'Dockerfile'],
  ['nixpacks', 'Nixpacks'],
  ['heroku_buildpacks', 'Heroku buildpacks'],
  ['paketo_buildpacks', 'Paketo buildpacks'],
  ['railpack', 'Railpack'],
  ['static', 'Static files'],
];

/** The fields of each build type, as saveBuildType names them. */
const BUILD_FIELDS: Record<string, string[]> = {
  dockerfile: ['dockerfile', 'dockerContextPath', 'dockerBuildStage'],
  nixpacks: ['publishDirectory'],
  heroku_buildpacks: ['herokuVersion'],
  paketo_buildpacks: [],
  railpack: ['railpackVersion'],
  static: ['publishDirectory', 'isStaticSpa'],
};

function BuildForm({ app, reload }: AppProps) {
  const f = useForm(() => ({
    buildType: app.buildType ?? 'nixpacks',
    dockerfile: app.dockerfile ?? '',
    dockerContextPath: app.dockerContextPath ?? '',
    dockerBuildStage: app.dockerBuildStage ?? '',
    publishDirectory: app.publishDirectory ?? '',
    isStaticSpa: !!app.isStaticSpa,
    herokuVersion: app.herokuVersion ?? '',
    railpackVersion: app.railpackVersion ?? '',
  }));
  const type = f.values.buildType;
  const has = (k: string) => BUILD_FIELDS[type]?.includes(k);
  const submit = (): [string, Record<string, unknown>] => {
    const input: Record<string, unknown> = { applicationId: app.applicationId, buildType: type };
    for (const k of BUILD_FIELDS[type] ?? []) input[k] = (f.values as Record<string, unknown>)[k];
    return ['application.saveBuildType', input];
  };
  return (
    <SettingsForm title="Build" reload={reload} submit={submit}>
      <SelectField label="Build type" options={BUILD_TYPES} {...f.text('buildType')} wide hint={app.sourceType === 'docker' ? 'A Docker image source is run as it is: the build type applies to the other sources.' : undefined} />
      {has('dockerfile') && <TextField label="Dockerfile path" placeholder="Dockerfile" {...f.text('dockerfile')} />}
      {has('dockerContextPath') && <TextField label="Build context" placeholder="(the Dockerfile's folder)" {...f.text('dockerContextPath')} />}
      {has('dockerBuildStage') && <TextField label="Build stage (--target)" {...f.text('dockerBuildStage')} />}
      {has('publishDirectory') && <TextField label="Publish directory" placeholder={type === 'static' ? '(the build path)' : 'dist'} {...f.text('publishDirectory')} />}
      {has('isStaticSpa') && <CheckField label="Single-page app (unknown paths serve index.html)" {...f.check('isStaticSpa')} />}
      {has('herokuVersion') && <TextField label="Heroku builder version" placeholder="24" {...f.text('herokuVersion')} />}
      {has('railpackVersion') && <TextField label="Railpack version" placeholder="0.15.4" {...f.text('railpackVersion')} />}
    </SettingsForm>
  );
}

function ImagesForm({ app, reload }: AppProps) {
  const registries = useQuery<any[]>('registry.all');
  const f = useForm(() => ({ cleanCache: !!app.cleanCache, registryId: app.registryId ?? '', rollbackActive: !!app.rollbackActive, rollbackRegistryId: app.rollbackRegistryId ?? '' }));
  const choices: [string, string][] = [['', 'None'], ...(registries.data ?? []).map((r): [string, string] => [r.registryId, `${r.registryName} (${r.registryUrl || 'Docker Hub'})`])];
  for (const id of [f.values.registryId, f.values.rollbackRegistryId]) if (id && !choices.some(([v]) => v === id)) choices.push([id, id]);
  return (
    <SettingsForm
      title="Images"
      reload={reload}
      submit={() => [
        'application.update',
        { applicationId: app.applicationId, cleanCache: f.values.cleanCache, registryId: f.values.registryId || null, rollbackActive: f.values.rollbackActive, rollbackRegistryId: f.values.rollbackRegistryId || null },
      ]}
    >
      <CheckField label="Build without the cache" {...f.check('cleanCache')} />
      <SelectField label="Push built images to" options={choices} {...f.text('registryId')} />
      <SelectField label="Rollback registry" options={choices} {...f.text('rollbackRegistryId')} />
      <CheckField label="Keep release images for rollback" {...f.check('rollbackActive')} />
      <ListError error={registries.error} />
    </SettingsForm>
  );
}
