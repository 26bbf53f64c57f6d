# shellcheck shell=bash
# Shared settings and helpers for scripts/test-env/*.sh (sourced, not run).
# Every value can be overridden from the environment; scripts/test-env.sh exports them.

BERTH_TEST_DIR=${BERTH_TEST_DIR:-/var/lib/berth-test}
BERTH_TEST_NETWORK=${BERTH_TEST_NETWORK:-berth-network}
BERTH_TEST_GIT_HTTP_PORT=${BERTH_TEST_GIT_HTTP_PORT:-3080}
BERTH_TEST_GIT_SSH_PORT=${BERTH_TEST_GIT_SSH_PORT:-2222}
BERTH_TEST_LOG_DIR=${BERTH_TEST_LOG_DIR:-$BERTH_TEST_DIR/logs}
export BERTH_TEST_DIR BERTH_TEST_NETWORK BERTH_TEST_GIT_HTTP_PORT BERTH_TEST_GIT_SSH_PORT BERTH_TEST_LOG_DIR

# The one-line summary a step prints goes to stdout; details go to stderr (the step's log).
say() { printf '%s\n' "$*"; }
say_list() { # say_list ITEM... — one line, items joined with ", "
  local out="" item
  for item in "$@"; do out+="${out:+, }$item"; done
  say "$out"
}
note() { printf '%s\n' "$*" >&2; }
die() {
  printf '%s: %s\n' "$(basename "${0:-test-env}")" "$*" >&2
  exit 1
}

pkg_installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# missing_pkgs PKG... — prints the ones not installed, one dpkg-query for all.
missing_pkgs() {
  local installed
  installed=$(dpkg-query -W -f='${Package} ${Status}\n' "$@" 2>/dev/null | awk '/ install ok installed$/ { print $1 }') || true
  local p
  for p in "$@"; do grep -qxF "$p" <<<"$installed" || echo "$p"; done
}

# ensure_pkgs PKG... — installs the Debian packages that are missing, with one
# `apt-get update` per test-env run (BERTH_APT_UPDATED is exported by the caller after it).
ensure_pkgs() {
  local missing
  mapfile -t missing < <(missing_pkgs "$@")
  [ ${#missing[@]} -eq 0 ] && return 0
  export DEBIAN_FRONTEND=noninteractive
  if [ -z "${BERTH_APT_UPDATED:-}" ]; then
    note "apt-get update"
    apt-get update -qq >&2 || die "apt-get update failed"
    export BERTH_APT_UPDATED=1
  fi
  note "apt-get install ${missing[*]}"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 ||
    die "apt-get install ${missing[*]} failed"
}

# is_pid_of PIDFILE NAME — true if PIDFILE names a live process whose command is NAME.
# /run survives here when processes are stopped, so a pid file may name a dead process
# or, worse, a reused pid. A killed process not yet reaped (a zombie) counts as dead.
is_pid_of() {
  local pid state
  [ -s "$1" ] || return 1
  pid=$(cat "$1" 2>/dev/null) || return 1
  [ -n "$pid" ] && [ -r "/proc/$pid/comm" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ] || return 1
  state=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$pid/status" 2>/dev/null)
  [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

# port_open PORT — true if something listens on 127.0.0.1:PORT.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_for SECONDS CMD... — runs CMD every 0.2 s until it succeeds or time runs out.
wait_for() {
  local deadline=$((SECONDS + $1))
  shift
  while :; do
    "$@" >/dev/null 2>&1 && return 0
    [ $SECONDS -ge $deadline ] && return 1
    sleep 0.2
  done
}

# The lab (scripts/test-env/cluster.sh): worker nodes berth-node-N at 10.231.0.1N on the
# lab network 10.231.0.0/24, whose host side (interface berth-lab) is 10.231.0.1, the address
# the host's swarm advertises. Fixed: the tests and env.json's readers code against them.
BERTH_LAB_PREFIX=10.231.0
BERTH_LAB_ADDR=$BERTH_LAB_PREFIX.1
BERTH_LAB_CIDR=$BERTH_LAB_PREFIX.0/24
BERTH_LAB_IF=berth-lab
BERTH_LAB_NODES="1 2"
BERTH_LAB_REGISTRY=$BERTH_LAB_ADDR:5000
# The node whose engine also listens on tcp://<its address>:2376 with TLS (the other keeps
# only its unix socket, so Berth meets both kinds of `berth.engine`), and where cluster.sh
# keeps the test CA, that node's server certificate and, in client/, Berth's client one.
BERTH_LAB_TLS_NODE=2
BERTH_LAB_ENGINE_TLS=/var/lib/berth-lab/engine-tls

# lab_net_up — true if the host side of the lab network is up with its address, the one
# sure sign that traffic to 10.231.0.0/24 stays on this machine.
lab_net_up() {
  ip -4 -o addr show dev "$BERTH_LAB_IF" up 2>/dev/null | grep -q " $BERTH_LAB_ADDR/24 "
}

# write_env — writes env.json, the facts the tests read (scripts/test-env/write-env.mjs);
# prints its path.
BERTH_TEST_PARTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BERTH_TEST_ENV_FILE=${BERTH_TEST_ENV:-$BERTH_TEST_DIR/env.json}
write_env() {
  local reg_user reg_pass docker_cli
  reg_user=$(sed -n 's/^USER_NAME=//p' "$BERTH_TEST_PARTS/registry.sh" | head -n 1)
  reg_pass=$(sed -n 's/^USER_PASS=//p' "$BERTH_TEST_PARTS/registry.sh" | head -n 1)
  # The client from docker.io matches the engine and reaches its built-in BuildKit
  # (DOCKER_BUILDKIT=1); a newer client without the buildx plugin cannot.
  docker_cli=/usr/bin/docker
  [ -x "$docker_cli" ] || docker_cli=$(command -v docker)
  mkdir -p "$(dirname "$BERTH_TEST_ENV_FILE")"
  ENV_OUT=$BERTH_TEST_ENV_FILE \
    ENV_DOCKER_HOST=${DOCKER_HOST:-unix:///var/run/docker.sock} \
    ENV_DOCKER_CLI=$docker_cli \
    ENV_DOCKER_VERSION=$(docker version --format '{{.Server.Version}}') \
    ENV_SWARM_NODE=$(docker info --format '{{.Swarm.NodeID}}') \
    ENV_SWARM_ADDR=$(docker info --format '{{.Swarm.NodeAddr}}') \
    ENV_LAB_ADDR=$BERTH_LAB_ADDR \
    ENV_LAB_REGISTRY=$BERTH_LAB_REGISTRY \
    ENV_LAB_ENGINE_CERTS=$BERTH_LAB_ENGINE_TLS/client \
    ENV_IPVS=$([ -e /proc/net/ip_vs ] && echo true || echo false) \
    ENV_REGISTRY_USER=$reg_user \
    ENV_REGISTRY_PASS=$reg_pass \
    node "$BERTH_TEST_PARTS/write-env.mjs" || return 1
  say "$BERTH_TEST_ENV_FILE"
}
