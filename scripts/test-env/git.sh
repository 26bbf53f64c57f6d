#!/usr/bin/env bash
# Test Git repositories, served the two ways Berth's git sources fetch:
#   smart HTTP  http://127.0.0.1:3080/git/<repo>.git     basic auth, any user + the token
#               http://127.0.0.1:3080/public/<repo>.git  no auth, read-only
#   SSH         ssh://git@127.0.0.1:2222<dir>/repos/<repo>.git   deploy key, git-shell
# The repositories are fixtures with fixed commits (same hashes on every machine); one that
# a test changed is reset. Idempotent; run as root. One summary line on stdout, details on
# stderr.
set -euo pipefail
# shellcheck source=scripts/test-env/lib.sh
. "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)

GIT_DIR_=$BERTH_TEST_DIR/git
REPOS=$GIT_DIR_/repos
SSH_DIR=$BERTH_TEST_DIR/ssh
KEYS=$BERTH_TEST_DIR/keys
TOKEN_FILE=$GIT_DIR_/http-token
HTTP_PORT=$BERTH_TEST_GIT_HTTP_PORT
SSH_PORT=$BERTH_TEST_GIT_SSH_PORT
summary=()

ensure_pkgs git openssh-server openssh-client curl
command -v node >/dev/null || die "node is needed for the git HTTP server"

# --- the git user (SSH logins run git-shell; http-backend runs as it too) ------------------
mkdir -p "$BERTH_TEST_DIR"
chmod 755 "$BERTH_TEST_DIR" # the git user walks through it; sshd's StrictModes checks it
if ! id git >/dev/null 2>&1; then
  useradd --system --user-group --home-dir "$GIT_DIR_" --no-create-home --shell /usr/bin/git-shell git
  summary+=("user git created")
elif [ "$(getent passwd git | cut -d: -f7)" != /usr/bin/git-shell ] ||
  [ "$(getent passwd git | cut -d: -f6)" != "$GIT_DIR_" ]; then
  note "user git exists: setting its shell to git-shell and its home to $GIT_DIR_"
  usermod --shell /usr/bin/git-shell --home "$GIT_DIR_" git
fi
# A locked password ("!") makes sshd (UsePAM no) refuse even key logins; "*" is no password.
[ "$(getent shadow git | cut -d: -f2)" = '*' ] || usermod -p '*' git
GIT_UID=$(id -u git)
GIT_GID=$(id -g git)
mkdir -p "$REPOS"
chown git:git "$GIT_DIR_" "$REPOS"
chmod 755 "$GIT_DIR_" "$REPOS"
# Repositories a test creates as root are still served (git refuses other owners' repos).
# Every push over SSH or HTTP runs the webhook hook (git-webhook.mjs: Gitea-format push
# events to the URLs a repository's berth-webhooks.json lists).
HOOKS=$GIT_DIR_/hooks
mkdir -p "$HOOKS"
cp "$HERE/git-webhook.mjs" "$HOOKS/git-webhook.mjs"
printf '#!/bin/sh\nexec node %s/git-webhook.mjs\n' "$HOOKS" >"$HOOKS/post-receive"
chmod 755 "$HOOKS" "$HOOKS/post-receive" "$HOOKS/git-webhook.mjs"
printf '[safe]\n\tdirectory = *\n[core]\n\thooksPath = %s\n' "$HOOKS" >"$GIT_DIR_/.gitconfig"
chown git:git "$GIT_DIR_/.gitconfig"

# --- fixtures -----------------------------------------------------------------------------
export GIT_AUTHOR_NAME="Berth Test" GIT_AUTHOR_EMAIL="test@berth.invalid" \
  GIT_COMMITTER_NAME="Berth Test" GIT_COMMITTER_EMAIL="test@berth.invalid" \
  GIT_AUTHOR_DATE="2024-01-01T00:00:00+0000" GIT_COMMITTER_DATE="2024-01-01T00:00:00+0000"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
WORK=$(mktemp -d /tmp/berth-git.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

commit() { git add -A && git commit -q -m "$1"; }

fixture_hello_static() {
  cat >index.html <<'EOF'
<!doctype html>
<html><head><title>hello-static</title></head><body><h1>hello-static</h1></body></html>
EOF
  commit "hello-static: index.html"
}

fixture_hello_dockerfile() {
  cat >Dockerfile <<'EOF'
FROM busybox:latest
COPY index.html /www/index.html
EXPOSE 3000
CMD ["httpd", "-f", "-p", "3000", "-h", "/www"]
EOF
  echo 'hello-dockerfile main' >index.html
  commit "hello-dockerfile: busybox httpd on 3000"
  git tag v1.0.0
  git checkout -q -b dev
  echo 'hello-dockerfile dev' >index.html
  commit "dev: different page"
  git checkout -q main
}

fixture_hello_node() {
  cat >Dockerfile <<'EOF'
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json server.js ./
ENV PORT=3000
EXPOSE 3000
CMD ["node", "server.js"]
EOF
  cat >package.json <<'EOF'
{ "name": "hello-node", "version": "1.0.0", "private": true, "scripts": { "start": "node server.js" } }
EOF
  cat >server.js <<'EOF'
const http = require('node:http');
const port = Number(process.env.PORT || 3000);
http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end(`hello-node ${process.version} ${process.env.GREETING || ''}\n`);
}).listen(port, () => console.log(`listening on ${port}`));
EOF
  commit "hello-node: node http server on 3000"
}

refs_of() { git --git-dir="$1" for-each-ref --format='%(objectname) %(refname)' | sort; }

repos_json=()
changed=()
for name in hello-static hello-dockerfile hello-node; do
  src=$WORK/$name
  git init -q -b main "$src"
  (cd "$src" && "fixture_${name//-/_}")
  bare=$REPOS/$name.git
  if [ ! -d "$bare" ] || [ "$(refs_of "$src/.git")" != "$(refs_of "$bare" 2>/dev/null)" ]; then
    rm -rf "$bare"
    git clone -q --bare --no-local "$src" "$bare"
    git --git-dir="$bare" config uploadpack.allowReachableSHA1InWant true
    git --git-dir="$bare" symbolic-ref HEAD refs/heads/main
    chown -R git:git "$bare"
    changed+=("$name")
  fi
  head=$(git --git-dir="$bare" rev-parse refs/heads/main)
  branches=$(git --git-dir="$bare" for-each-ref --format='"%(refname:short)"' refs/heads | paste -sd, -)
  repos_json+=("\"$name\": {\"path\": \"$bare\", \"branch\": \"main\", \"commit\": \"$head\", \"branches\": [$branches], \"httpUrl\": \"http://127.0.0.1:$HTTP_PORT/git/$name.git\", \"publicHttpUrl\": \"http://127.0.0.1:$HTTP_PORT/public/$name.git\", \"sshUrl\": \"ssh://git@127.0.0.1:$SSH_PORT$bare\"}")
done
(IFS=,; printf '{%s}\n' "${repos_json[*]}") >"$GIT_DIR_/repos.json"
if [ ${#changed[@]} -gt 0 ]; then summary+=("repos written: ${changed[*]}"); else summary+=("repos unchanged"); fi

# --- smart HTTP -----------------------------------------------------------------------------
if [ ! -s "$TOKEN_FILE" ]; then
  (umask 077 && node -e 'process.stdout.write(require("crypto").randomBytes(20).toString("hex"))' >"$TOKEN_FILE")
fi
TOKEN=$(cat "$TOKEN_FILE")
HTTP_PID=$GIT_DIR_/http.pid
HTTP_SIG=$GIT_DIR_/http.sig
sig=$( (cat "$HERE/git-http-server.mjs" "$TOKEN_FILE"; echo "$HTTP_PORT $REPOS $HOOKS") | sha256sum | cut -d' ' -f1)
http_ok() { [ "$(curl -s -m 5 "http://127.0.0.1:$HTTP_PORT/health")" = ok ]; }
if is_pid_of "$HTTP_PID" node && [ "$(cat "$HTTP_SIG" 2>/dev/null)" != "$sig" ]; then
  note "git HTTP server's script or settings changed: restarting it"
  kill "$(cat "$HTTP_PID")" && sleep 0.3
fi
if is_pid_of "$HTTP_PID" node && http_ok; then
  summary+=("http :$HTTP_PORT running")
else
  port_open "$HTTP_PORT" && die "127.0.0.1:$HTTP_PORT is taken by another process (ss -ltnp): free it or set BERTH_TEST_GIT_HTTP_PORT"
  GIT_PROJECT_ROOT=$REPOS BERTH_GIT_TOKEN_FILE=$TOKEN_FILE BERTH_GIT_HTTP_PORT=$HTTP_PORT BERTH_GIT_HOOKS_DIR=$HOOKS \
    BERTH_GIT_UID=$GIT_UID BERTH_GIT_GID=$GIT_GID HOME=$GIT_DIR_ \
    setsid node "$HERE/git-http-server.mjs" >>"$GIT_DIR_/http.log" 2>&1 </dev/null &
  echo $! >"$HTTP_PID"
  echo "$sig" >"$HTTP_SIG"
  wait_for 10 http_ok || { tail -n 5 "$GIT_DIR_/http.log" >&2; die "git HTTP server did not answer on :$HTTP_PORT"; }
  summary+=("http :$HTTP_PORT started")
fi

# --- SSH: a second sshd on loopback with its own config and host key -------------------------
mkdir -p "$SSH_DIR/authorized_keys" "$KEYS"
chmod 755 "$SSH_DIR" "$SSH_DIR/authorized_keys"
chmod 700 "$KEYS"
[ -s "$SSH_DIR/ssh_host_ed25519_key" ] ||
  ssh-keygen -q -t ed25519 -N '' -C berth-test-host -f "$SSH_DIR/ssh_host_ed25519_key"
[ -s "$KEYS/deploy_ed25519" ] ||
  ssh-keygen -q -t ed25519 -N '' -C berth-test-deploy -f "$KEYS/deploy_ed25519"
printf 'no-port-forwarding,no-X11-forwarding,no-agent-forwarding,no-pty %s\n' "$(cat "$KEYS/deploy_ed25519.pub")" \
  >"$SSH_DIR/authorized_keys/git"
chmod 644 "$SSH_DIR/authorized_keys/git"
printf '[127.0.0.1]:%s %s\n' "$SSH_PORT" "$(cut -d' ' -f1,2 "$SSH_DIR/ssh_host_ed25519_key.pub")" >"$KEYS/known_hosts"

SSHD_CONF=$SSH_DIR/sshd_config
SSHD_PID=$SSH_DIR/sshd.pid
conf=$(cat <<EOF
# Written by scripts/test-env/git.sh: a second sshd for the tests' Git over SSH.
Port $SSH_PORT
ListenAddress 127.0.0.1
HostKey $SSH_DIR/ssh_host_ed25519_key
PidFile $SSHD_PID
AuthorizedKeysFile $SSH_DIR/authorized_keys/%u
AllowUsers git
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin no
UsePAM no
X11Forwarding no
AllowTcpForwarding no
AllowAgentForwarding no
PermitTTY no
PrintMotd no
LogLevel INFO
MaxStartups 50:30:100
EOF
)
restart_sshd=
if [ "$(cat "$SSHD_CONF" 2>/dev/null)" != "$conf" ]; then
  printf '%s\n' "$conf" >"$SSHD_CONF"
  restart_sshd=1
fi
mkdir -p /run/sshd # privilege separation directory (the system's sshd init script makes it)
chmod 755 /run/sshd
ssh_ok() { timeout 5 ssh-keyscan -p "$SSH_PORT" 127.0.0.1 2>/dev/null | grep -q ssh-ed25519; }
if is_pid_of "$SSHD_PID" sshd && [ -n "$restart_sshd" ]; then
  note "sshd config changed: restarting it"
  kill "$(cat "$SSHD_PID")" && sleep 0.3
fi
if is_pid_of "$SSHD_PID" sshd && ssh_ok; then
  summary+=("ssh :$SSH_PORT running")
else
  port_open "$SSH_PORT" && die "127.0.0.1:$SSH_PORT is taken by another process (ss -ltnp): free it or set BERTH_TEST_GIT_SSH_PORT"
  /usr/sbin/sshd -t -f "$SSHD_CONF" >&2 || die "sshd rejects $SSHD_CONF"
  /usr/sbin/sshd -f "$SSHD_CONF" -E "$SSH_DIR/sshd.log" || die "sshd did not start (log: $SSH_DIR/sshd.log)"
  wait_for 10 ssh_ok || { tail -n 5 "$SSH_DIR/sshd.log" >&2; die "sshd did not answer on :$SSH_PORT"; }
  summary+=("ssh :$SSH_PORT started")
fi

# --- check both ways, as a client would ----------------------------------------------------------
export GIT_TERMINAL_PROMPT=0
url=http://x-access-token:$TOKEN@127.0.0.1:$HTTP_PORT/git/hello-static.git
git ls-remote "$url" refs/heads/main 2>&1 | grep -q refs/heads/main >&2 ||
  die "git ls-remote over HTTP with the token failed ($GIT_DIR_/http.log)"
if git ls-remote "http://127.0.0.1:$HTTP_PORT/git/hello-static.git" >/dev/null 2>&1; then
  die "git ls-remote over HTTP without a token succeeded: auth is not enforced"
fi
GIT_SSH_COMMAND="ssh -i $KEYS/deploy_ed25519 -o IdentitiesOnly=yes -o UserKnownHostsFile=$KEYS/known_hosts -o StrictHostKeyChecking=yes -o BatchMode=yes" \
  git ls-remote "ssh://git@127.0.0.1:$SSH_PORT$REPOS/hello-static.git" refs/heads/main 2>&1 | grep -q refs/heads/main ||
  die "git ls-remote over SSH with the deploy key failed ($SSH_DIR/sshd.log)"
summary+=("ls-remote ok")

say_list "${summary[@]}"
