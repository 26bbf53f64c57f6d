import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { request, startTestBerth, type TestBerth } from '../helpers/berth.js';

/**
 * The 200 schemas of /api/openapi.json are what clients generate types from: real answers
 * of a Berth with one of everything must validate against them (rows are closed objects,
 * so a column the document lacks, or a field it invents, fails here).
 */
describe('real answers match the OpenAPI document', () => {
  let b: TestBerth;
  let check: (proc: string, method: string, body: unknown) => void;
  before(async () => {
    b = await startTestBerth();
    const doc = (await request(`${b.url}/api/openapi.json`)).body;
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    ajv.addSchema({ $id: 'doc', components: doc.components });
    check = (proc, method, body) => {
      const schema = doc.paths[`/${proc}`][method].responses[200].content['application/json'].schema;
      const validate = ajv.compile({ $ref: `doc${schema.$ref}` });
      assert.ok(validate(body ?? null), `${proc}: ${JSON.stringify(validate.errors?.slice(0, 3))}\n${String(JSON.stringify(body)).slice(0, 400)}`);
    };
  });
  after(() => b.close());

  /** Calls the procedure, expects 200, checks the body against the document and returns it. */
  const call = async (proc: string, input: Record<string, unknown> = {}) => {
    const r = await b.call(proc, input);
    assert.equal(r.status, 200, `${proc}: ${r.text}`);
    check(proc, r.status === 200 && (await kindOf(proc)) === 'query' ? 'get' : 'post', r.body);
    return r.body;
  };
  const kindOf = async (proc: string) => (await import('../../src/api/procedures.js')).procedures.find((p) => p.name === proc)!.kind;

  test('projects, environments, applications and their children, deployments, tokens, keys and providers', async () => {
    const { project, environment } = await call('project.create', { name: 'answers', description: 'd', env: 'A=1' });
    const { projectId } = project;
    const { environmentId } = environment;
    const app = await call('application.create', { name: 'web', environmentId });
    const applicationId = app.applicationId;
    await call('application.saveEnvironment', { applicationId, env: 'B=2', buildArgs: null, buildSecrets: null, createEnvFile: true });
    await call('application.saveDockerProvider', { applicationId, dockerImage: 'busybox:latest', username: null, password: null, registryUrl: null });
    const domain = await call('domain.create', { applicationId, host: 'answers.example.com', port: 3000, https: true, certificateType: 'letsencrypt' });
    await call('domain.byApplicationId', { applicationId });
    await call('domain.one', { domainId: domain.domainId });
    await call('domain.toggleEnable', { domainId: domain.domainId });
    await call('domain.generateDomain', { appName: app.appName });
    const port = await call('port.create', { applicationId, publishedPort: 18080, targetPort: 3000 });
    await call('port.one', { portId: port.portId });
    const mount = await call('mounts.create', { serviceId: applicationId, serviceType: 'application', type: 'volume', volumeName: 'answers-data', mountPath: '/data' });
    await call('mounts.one', { mountId: mount.mountId });
    await call('mounts.listByServiceId', { serviceId: applicationId, serviceType: 'application' });
    await call('redirects.create', { applicationId, regex: '^/old$', replacement: '/new', permanent: true });
    await call('security.create', { applicationId, username: 'u', password: 'secret-pass' });
    await call('application.readTraefikConfig', { applicationId });
    const one = await call('application.one', { applicationId });
    await call('redirects.one', { redirectId: one.redirects[0].redirectId });
    await call('security.one', { securityId: one.security[0].securityId });
    await call('application.search', { q: 'web' });
    await call('application.readAppMonitoring', { appName: app.appName });
    await call('project.one', { projectId });
    await call('project.all');
    await call('project.allForPermissions');
    await call('project.homeStats');
    await call('project.search', { q: 'answers' });
    await call('environment.one', { environmentId });
    await call('environment.byProjectId', { projectId });
    await call('environment.search', { projectId });
    const staging = await call('environment.duplicate', { environmentId, name: 'staging' });
    await call('environment.update', { environmentId: staging.environmentId, description: 'x' });
    await call('deployment.all', { applicationId });
    await call('deployment.allByType', { id: applicationId, type: 'application' });
    await call('deployment.allCentralized');
    await call('deployment.queueList');
    await call('monitoring.server');
    await call('user.get');
    await call('user.listApiKeys');
    await call('user.createApiKey', { name: 'ci', role: 'deployer', metadata: { organizationId: 'berth' } });
    const pair = await call('sshKey.generate', { type: 'ed25519' });
    await call('sshKey.create', { name: 'k', description: null, privateKey: pair.privateKey, publicKey: pair.publicKey, organizationId: 'x' });
    const [key] = await call('sshKey.all');
    await call('sshKey.one', { sshKeyId: key.sshKeyId });
    await call('sshKey.allForApps');
    const github = await call('github.create', { name: 'gh', githubAppName: 'app', githubUrl: 'https://github.com' });
    await call('github.one', { githubId: github.githubId });
    await call('github.githubProviders');
    await call('gitlab.create', { name: 'gl', gitlabUrl: 'https://gitlab.example.com', authId: 'a', applicationId: 'oauth-app', secret: 's', groupName: 'team', redirectUri: 'https://berth.example.com/callback', gitlabInternalUrl: null });
    await call('gitea.create', { name: 'gt', giteaUrl: 'https://gitea.example.com', clientId: 'c', clientSecret: 's', redirectUri: 'https://berth.example.com/callback' });
    await call('gitProvider.getAll');
    await call('gitProvider.allForPermissions');
    await call('registry.all');
    await call('application.delete', { applicationId });
    await call('environment.remove', { environmentId: staging.environmentId });
    await call('project.remove', { projectId });
  });

  test('schedules and their runs', async () => {
    const s = await call('schedule.create', { name: 'answers', cronExpression: '0 3 * * *', command: '', script: 'echo answer', scheduleType: 'dokploy-server', shellType: 'sh', enabled: false, timeoutSeconds: 60 });
    await call('schedule.update', { scheduleId: s.scheduleId, name: 'answers', cronExpression: '0 4 * * *', command: '', enabled: true });
    await call('schedule.one', { scheduleId: s.scheduleId });
    const run = await call('schedule.runManually', { scheduleId: s.scheduleId });
    assert.equal(run.status, 'done');
    await call('schedule.list', { id: 'berth', scheduleType: 'dokploy-server' });
    await call('deployment.allByType', { id: s.scheduleId, type: 'schedule' });
    await call('schedule.readLogs', { deploymentId: run.deploymentId });
    await call('schedule.delete', { scheduleId: s.scheduleId });
  });
});
