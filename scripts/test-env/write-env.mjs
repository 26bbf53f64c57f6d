// Writes env.json, the facts the tests read about the environment scripts/test-env.sh made.
// Called by scripts/test-env.sh with ENV_* variables; reads the git part's files.
import { execFileSync } from 'node:child_process';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';

const e = process.env;
const dir = e.BERTH_TEST_DIR;
const read = (p) => readFileSync(p, 'utf8').trim();
const ipvs = e.ENV_IPVS === 'true';
const httpBase = `http://127.0.0.1:${e.BERTH_TEST_GIT_HTTP_PORT}`;

/**
 * The swarm's nodes, the manager (this engine) first, then the lab's workers by hostname.
 * `dockerHost` is the node's engine as the docker CLI here reaches it: a worker's unix
 * socket /run/<hostname>.sock (cluster.sh), which every worker has; `engine` its
 * `berth.engine` label (cluster.sh sets it: the socket, or tcp with TLS). A manager's
 * Status.Addr may read 0.0.0.0 (it listens on all addresses): its advertised one is in
 * ManagerStatus.Addr.
 */
function clusterNodes() {
  const docker = (...args) => execFileSync(e.ENV_DOCKER_CLI, args, { encoding: 'utf8' });
  const ids = docker('node', 'ls', '-q').split('\n').filter(Boolean);
  return JSON.parse(docker('node', 'inspect', ...ids))
    .map((n) => ({
      hostname: n.Description.Hostname,
      nodeId: n.ID,
      role: n.Spec.Role,
      address: n.ManagerStatus?.Addr?.replace(/:\d+$/, '') ?? n.Status.Addr,
      dockerHost: n.Spec.Role === 'manager' ? e.ENV_DOCKER_HOST : `unix:///run/${n.Description.Hostname}.sock`,
      engine: n.Spec.Labels['berth.engine'] ?? null,
    }))
    .sort((a, b) => (a.role === b.role ? a.hostname.localeCompare(b.hostname) : a.role === 'manager' ? -1 : 1));
}

const env = {
  generatedAt: new Date().toISOString(),
  dockerHost: e.ENV_DOCKER_HOST,
  dockerCli: e.ENV_DOCKER_CLI,
  dockerVersion: e.ENV_DOCKER_VERSION,
  swarm: { nodeId: e.ENV_SWARM_NODE, advertiseAddr: e.ENV_SWARM_ADDR },
  ipvs,
  endpointMode: ipvs ? 'vip' : 'dnsrr',
  network: e.BERTH_TEST_NETWORK,
  images: ['busybox:latest', 'debian:bookworm-slim', 'node:20-bookworm-slim'],
  // labUrl: the same registry on the lab address, over TLS with the test CA labCa (Docker
  // engines trust it through /etc/docker/certs.d; a Node client needs NODE_EXTRA_CA_CERTS).
  registry: {
    url: '127.0.0.1:5000',
    labUrl: e.ENV_LAB_REGISTRY,
    labCa: `${dir}/registry/lab-tls/ca.crt`,
    username: e.ENV_REGISTRY_USER,
    password: e.ENV_REGISTRY_PASS,
  },
  // engineCertPath: Berth's client certificate (ca.pem, cert.pem, key.pem) for a node's engine on tcp
  cluster: { labAddress: e.ENV_LAB_ADDR, engineCertPath: e.ENV_LAB_ENGINE_CERTS, nodes: clusterNodes() },
  git: {
    reposDir: `${dir}/git/repos`,
    reposOwner: 'git',
    httpUrl: `${httpBase}/git`,
    publicHttpUrl: `${httpBase}/public`,
    httpUser: 'x-access-token',
    httpToken: read(`${dir}/git/http-token`),
    sshHost: '127.0.0.1',
    sshPort: Number(e.BERTH_TEST_GIT_SSH_PORT),
    sshUser: 'git',
    sshPrivateKeyPath: `${dir}/keys/deploy_ed25519`,
    sshPublicKeyPath: `${dir}/keys/deploy_ed25519.pub`,
    sshKnownHostsPath: `${dir}/keys/known_hosts`,
    sshHostKey: read(`${dir}/ssh/ssh_host_ed25519_key.pub`).split(' ').slice(0, 2).join(' '),
    repos: JSON.parse(read(`${dir}/git/repos.json`)),
  },
};

for (const [k, v] of Object.entries({ ENV_OUT: e.ENV_OUT, BERTH_TEST_DIR: dir, ENV_DOCKER_VERSION: e.ENV_DOCKER_VERSION, ENV_LAB_ADDR: e.ENV_LAB_ADDR })) {
  if (!v) throw new Error(`${k} is not set`);
}
writeFileSync(`${e.ENV_OUT}.tmp`, `${JSON.stringify(env, null, 2)}\n`, { mode: 0o600 });
renameSync(`${e.ENV_OUT}.tmp`, e.ENV_OUT);
