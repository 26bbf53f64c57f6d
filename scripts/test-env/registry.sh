#!/usr/bin/env bash
# A real Docker registry (distribution v2, Debian's docker-registry) with htpasswd auth on
# 127.0.0.1:5000, for the tests that log in, push and pull; and, while the lab network is up
# (scripts/test-env/cluster.sh), the same registry (same storage, same users) on
# 10.231.0.1:5000 over TLS for the lab's nodes. Its certificate comes from a test CA made
# here, which every engine trusts through /etc/docker/certs.d/10.231.0.1:5000/ca.crt (read
# on each pull, so no daemon restarts). Idempotent: run as root on Debian 12 as often as you
# like; it installs what is missing and starts what is stopped. One summary line on stdout.
#   registry.sh            both (the lab one only when the lab network is up)
#   registry.sh lab-stop   stops the lab one (the lab is going down)
set -euo pipefail
shopt -s inherit_errexit
# shellcheck source=scripts/test-env/lib.sh
. "$(dirname "$0")/lib.sh"

ADDR=127.0.0.1:5000
DIR=/var/lib/berth-test/registry
USER_NAME=berth
USER_PASS=berth-test-pass
LAB_ADDR=$BERTH_LAB_REGISTRY
TLS=$DIR/lab-tls
LAB_PID=$DIR/registry-lab.pid

status() { curl -s -o /dev/null -w '%{http_code}' "http://$ADDR/v2/" || true; }
lab_status() { curl -s --cacert "$TLS/ca.crt" -o /dev/null -w '%{http_code}' "https://$LAB_ADDR/v2/" || true; }

lab_stop() {
  if is_pid_of "$LAB_PID" docker-registry; then kill "$(cat "$LAB_PID")"; fi
  rm -f "$LAB_PID"
}
if [ "${1:-}" = lab-stop ]; then
  lab_stop
  say "$LAB_ADDR stopped"
  exit 0
fi


# wait_401 STATUS_FN — until the function answers 401 (up, auth on); fails on anything else.
wait_401() {
  local code
  for _ in $(seq 1 100); do
    code=$("$1")
    [ "$code" = 401 ] && return 0
    [ "$code" != 000 ] && break
    sleep 0.1
  done
  echo "registry.sh: $1 answered $code, expected 401 (see $DIR/*.log)" >&2
  return 1
}

# config NAME ADDR [TLS LINES] — $DIR/NAME.yml, a registry process over the shared storage.
config() {
  cat >"$DIR/$1.yml" <<EOF
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
  addr: $2
${3:-}
auth:
  htpasswd:
    realm: berth-test
    path: $DIR/htpasswd
EOF
}

# serve NAME STATUS_FN — runs `docker-registry serve $DIR/NAME.yml` unless something answers.
serve() {
  if [ "$("$2")" = 000 ]; then
    setsid docker-registry serve "$DIR/$1.yml" >"$DIR/$1.log" 2>&1 </dev/null &
    echo $! >"$DIR/$1.pid"
  fi
  wait_401 "$2"
}

loopback() {
  # Already serving with auth: nothing to do.
  [ "$(status)" = 401 ] && { echo "$ADDR running"; return 0; }
  ensure_pkgs docker-registry apache2-utils curl
  # On a systemd host the package starts its own auth-less registry on :5000; ours replaces it.
  if command -v systemctl >/dev/null && systemctl is-active --quiet docker-registry 2>/dev/null; then
    systemctl disable --now docker-registry >/dev/null 2>&1
  fi
  mkdir -p "$DIR/data"
  chmod 700 "$DIR"
  if ! htpasswd -vb "$DIR/htpasswd" "$USER_NAME" "$USER_PASS" >/dev/null 2>&1; then
    htpasswd -Bbc "$DIR/htpasswd" "$USER_NAME" "$USER_PASS" >/dev/null 2>&1
  fi
  config registry "$ADDR"
  serve registry status && echo "$ADDR started"
}

# The test CA and the lab address's certificate (ECDSA P-256, ten years), made once.
lab_tls() {
  [ -s "$TLS/server.crt" ] && [ -s "$TLS/ca.crt" ] && return 0
  ensure_pkgs openssl
  mkdir -p "$TLS"
  chmod 700 "$TLS"
  local ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
  openssl req -x509 "${ec[@]}" -keyout "$TLS/ca.key" -out "$TLS/ca.crt" -days 3650 -subj "/CN=Berth test CA" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
  openssl req "${ec[@]}" -keyout "$TLS/server.key" -out "$TLS/server.csr" -subj "/CN=$BERTH_LAB_ADDR" 2>/dev/null
  openssl x509 -req -in "$TLS/server.csr" -CA "$TLS/ca.crt" -CAkey "$TLS/ca.key" -CAcreateserial \
    -out "$TLS/server.crt" -days 3650 -extfile <(printf '%s\n' "subjectAltName=IP:$BERTH_LAB_ADDR" \
      basicConstraints=CA:FALSE keyUsage=critical,digitalSignature extendedKeyUsage=serverAuth) 2>/dev/null
  rm -f "$TLS/server.csr"
  note "made the test CA and the certificate of $LAB_ADDR in $TLS"
}

lab() {
  lab_net_up || { echo "$LAB_ADDR not served (the lab network is down)"; return 0; }
  lab_tls
  # Docker engines (the host's and the nodes') read a registry's CA from here on each pull.
  local certs=/etc/docker/certs.d/$LAB_ADDR
  mkdir -p "$certs"
  cmp -s "$TLS/ca.crt" "$certs/ca.crt" || cp "$TLS/ca.crt" "$certs/ca.crt"
  [ "$(lab_status)" = 401 ] && { echo "$LAB_ADDR (TLS) running"; return 0; }
  config registry-lab "$LAB_ADDR" "  tls:
    certificate: $TLS/server.crt
    key: $TLS/server.key"
  serve registry-lab lab_status && echo "$LAB_ADDR (TLS) started"
}

served=$(loopback)
lab_served=$(lab)
say_list "$served" "$lab_served"
