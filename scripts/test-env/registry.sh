#!/usr/bin/env bash
# A real Docker registry (distribution v2, Debian's docker-registry) with htpasswd auth on
# 127.0.0.1:5000, for the tests that log in, push and pull. Idempotent: run as root on
# Debian 12 as often as you like; it installs what is missing and starts what is stopped.
set -euo pipefail

ADDR=127.0.0.1:5000
DIR=/var/lib/berth-test/registry
USER_NAME=berth
USER_PASS=berth-test-pass

status() { curl -s -o /dev/null -w '%{http_code}' "http://$ADDR/v2/" || true; }

# Already serving with auth: nothing to do.
[ "$(status)" = 401 ] && exit 0

missing=()
command -v docker-registry >/dev/null || missing+=(docker-registry)
command -v htpasswd >/dev/null || missing+=(apache2-utils)
command -v curl >/dev/null || missing+=(curl)
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  # Try with the package lists we have; refresh them only if that fails.
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }
fi

# On a systemd host the package starts its own auth-less registry on :5000; ours replaces it.
if command -v systemctl >/dev/null && systemctl is-active --quiet docker-registry 2>/dev/null; then
  systemctl disable --now docker-registry >/dev/null 2>&1
fi

mkdir -p "$DIR/data"
chmod 700 "$DIR"
if ! htpasswd -vb "$DIR/htpasswd" "$USER_NAME" "$USER_PASS" >/dev/null 2>&1; then
  htpasswd -Bbc "$DIR/htpasswd" "$USER_NAME" "$USER_PASS" >/dev/null 2>&1
fi
cat >"$DIR/config.yml" <<EOF
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $DIR/data
  delete:
    enabled: true
http:
  addr: $ADDR
auth:
  htpasswd:
    realm: berth-test
    path: $DIR/htpasswd
EOF

code=$(status)
if [ "$code" = 000 ]; then
  setsid docker-registry serve "$DIR/config.yml" >"$DIR/registry.log" 2>&1 </dev/null &
  echo $! >"$DIR/registry.pid"
fi

for _ in $(seq 1 100); do
  code=$(status)
  [ "$code" = 401 ] && exit 0
  [ "$code" != 000 ] && break
  sleep 0.1
done
echo "registry.sh: http://$ADDR/v2/ answered $code, expected 401 (see $DIR/registry.log)" >&2
exit 1
