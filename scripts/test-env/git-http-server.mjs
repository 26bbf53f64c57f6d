// Smart-HTTP Git server for the tests: `git http-backend` (CGI) behind node's http, with
// basic-auth tokens the way GitHub, GitLab and Gitea take them (any user name, the token as
// password: x-access-token:<token>, oauth2:<token>, ...).
//
//   /git/<repo>.git/...      token required; clone, fetch and push
//   /public/<repo>.git/...   no auth; clone and fetch only (a public repository)
//   /health                  200 "ok"
//
// Settings from the environment: GIT_PROJECT_ROOT (bare repositories), BERTH_GIT_TOKEN_FILE,
// BERTH_GIT_HOOKS_DIR (core.hooksPath of every repository: the webhook hook),
// BERTH_GIT_HTTP_HOST (127.0.0.1), BERTH_GIT_HTTP_PORT (3080), BERTH_GIT_UID/BERTH_GIT_GID
// (the user git http-backend runs as, so that the repositories keep one owner).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { timingSafeEqual } from 'node:crypto';

const root = process.env.GIT_PROJECT_ROOT;
const tokenFile = process.env.BERTH_GIT_TOKEN_FILE;
if (!root || !tokenFile) {
  console.error('GIT_PROJECT_ROOT and BERTH_GIT_TOKEN_FILE are required');
  process.exit(2);
}
const token = Buffer.from(readFileSync(tokenFile, 'utf8').trim());
const host = process.env.BERTH_GIT_HTTP_HOST || '127.0.0.1';
const port = Number(process.env.BERTH_GIT_HTTP_PORT || 3080);
const uid = process.env.BERTH_GIT_UID ? Number(process.env.BERTH_GIT_UID) : undefined;
const gid = process.env.BERTH_GIT_GID ? Number(process.env.BERTH_GIT_GID) : undefined;

function authorizedUser(header) {
  const m = /^Basic\s+(\S+)$/i.exec(header || '');
  if (!m) return null;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  const user = decoded.slice(0, colon) || 'token';
  const pass = Buffer.from(decoded.slice(colon + 1));
  return pass.length === token.length && timingSafeEqual(pass, token) ? user : null;
}

function log(req, status, user) {
  process.stdout.write(`${new Date().toISOString()} ${req.method} ${req.url} ${status} ${user || '-'}\n`);
}

const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  if (url.pathname === '/health') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    return;
  }
  const m = /^\/(git|public)(\/[^?]*)$/.exec(url.pathname);
  if (!m || m[2].split('/').includes('..')) {
    log(req, 404);
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    return;
  }
  const isPublic = m[1] === 'public';
  const pathInfo = m[2];
  let user = null;
  if (isPublic) {
    const service = url.searchParams.get('service') || pathInfo.split('/').pop();
    if (service === 'git-receive-pack') {
      log(req, 403);
      res.writeHead(403, { 'content-type': 'text/plain' }).end('read-only\n');
      return;
    }
  } else {
    user = authorizedUser(req.headers.authorization);
    if (!user) {
      log(req, 401);
      res
        .writeHead(401, { 'www-authenticate': 'Basic realm="berth-test-git"', 'content-type': 'text/plain' })
        .end('authentication required\n');
      return;
    }
  }

  const env = {
    PATH: process.env.PATH,
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: '1',
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
    REQUEST_METHOD: req.method,
    PATH_INFO: pathInfo,
    QUERY_STRING: url.search.slice(1),
    REMOTE_ADDR: req.socket.remoteAddress || '',
    CONTENT_TYPE: req.headers['content-type'] || '',
  };
  if (req.headers['content-length']) env.CONTENT_LENGTH = req.headers['content-length'];
  if (req.headers['content-encoding']) env.HTTP_CONTENT_ENCODING = req.headers['content-encoding'];
  if (req.headers['git-protocol']) env.GIT_PROTOCOL = req.headers['git-protocol'];
  if (user) env.REMOTE_USER = user; // enables push (receive-pack) for authenticated users
  // Repositories a test creates as root are served too (git refuses other owners' repos),
  // and public reads run with receive-pack off whatever the repository says.
  const config = [
    ['safe.directory', '*'],
    ...(process.env.BERTH_GIT_HOOKS_DIR ? [['core.hooksPath', process.env.BERTH_GIT_HOOKS_DIR]] : []),
    ...(isPublic ? [['http.receivepack', 'false']] : []),
  ];
  env.GIT_CONFIG_COUNT = String(config.length);
  config.forEach(([key, value], i) => Object.assign(env, { [`GIT_CONFIG_KEY_${i}`]: key, [`GIT_CONFIG_VALUE_${i}`]: value }));

  const cgi = spawn('git', ['http-backend'], { env, uid, gid, stdio: ['pipe', 'pipe', 'pipe'] });
  req.pipe(cgi.stdin);
  cgi.stdin.on('error', () => {});
  let stderr = '';
  cgi.stderr.on('data', (d) => (stderr += d));

  // Parse the CGI header block, then stream the body.
  let head = Buffer.alloc(0);
  let headersDone = false;
  let status = 200;
  cgi.stdout.on('data', (chunk) => {
    if (headersDone) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    let end = head.indexOf('\r\n\r\n');
    let sepLen = 4;
    if (end < 0) {
      end = head.indexOf('\n\n');
      sepLen = 2;
    }
    if (end < 0) return;
    headersDone = true;
    const headers = {};
    for (const line of head.subarray(0, end).toString('latin1').split(/\r?\n/)) {
      const i = line.indexOf(':');
      if (i <= 0) continue;
      const name = line.slice(0, i).trim();
      const value = line.slice(i + 1).trim();
      if (name.toLowerCase() === 'status') status = parseInt(value, 10) || 500;
      else headers[name] = value;
    }
    res.writeHead(status, headers);
    res.write(head.subarray(end + sepLen));
  });
  cgi.on('close', (code) => {
    if (!headersDone) {
      status = 500;
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
    }
    log(req, status, user);
    if (code !== 0 && stderr) process.stdout.write(`  git http-backend exited ${code}: ${stderr.trim()}\n`);
    res.end();
  });
  cgi.on('error', (err) => {
    process.stdout.write(`  spawn failed: ${err.message}\n`);
    if (!res.headersSent) res.writeHead(500);
    res.end();
  });
});

server.listen(port, host, () => {
  process.stdout.write(`${new Date().toISOString()} listening on http://${host}:${port} root=${root}\n`);
});
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => server.close(() => process.exit(0)));
