#!/usr/bin/env bash
# The test environment, as root on Debian 12, idempotently: Docker Engine (docker.io) as the
# manager of a three-node swarm whose two workers are the lab's (scripts/test-env/cluster.sh:
# dockerds in their own namespaces on 10.231.0.0/24, drained), the berth-network overlay, the
# base images the tests use (built here, never pulled), a local registry with htpasswd auth
# (also on the lab address, TLS), and Git repositories over smart HTTP (token) and SSH
# (deploy key). Nothing comes from the internet but Debian and npm packages, and nothing
# goes to the lab range but the lab. It starts what is stopped and keeps what an earlier
# run left.
#
# Writes what the tests need to know to $BERTH_TEST_ENV (default /var/lib/berth-test/env.json).
# One line per step on stdout; each step's details in /var/lib/berth-test/logs/<step>.log.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
PARTS=$HERE/test-env
# shellcheck source=scripts/test-env/lib.sh
. "$PARTS/lib.sh"

[ "$(id -u)" = 0 ] || die "run as root (it installs packages and starts dockerd, sshd and servers)"
command -v apt-get >/dev/null || die "needs a Debian machine (apt-get)"
grep -q 'VERSION_CODENAME=bookworm' /etc/os-release 2>/dev/null ||
  echo "test-env: warning: made for Debian 12 (bookworm); this is $(. /etc/os-release && echo "$PRETTY_NAME")" >&2
mkdir -p "$BERTH_TEST_DIR" "$BERTH_TEST_LOG_DIR"
chmod 755 "$BERTH_TEST_DIR"

T_START=$(date +%s%N)
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }

# step NAME CMD... — runs CMD with its stderr in logs/NAME.log and prints
# "test-env: NAME  <seconds>s  <CMD's stdout>"; stops everything on failure.
step() {
  local name=$1 t0 out rc=0 ms log=$BERTH_TEST_LOG_DIR/$1.log
  shift
  t0=$(date +%s%N)
  echo "=== $(date -Is)" >>"$log"
  out=$("$@" 2>>"$log") || rc=$?
  ms=$(ms_since "$t0")
  if [ $rc -ne 0 ]; then
    printf 'test-env: %-8s %5d.%01ds  FAILED (exit %d)\n' "$name" $((ms / 1000)) $((ms % 1000 / 100)) "$rc" >&2
    [ -z "$out" ] || printf '%s\n' "$out" | sed 's/^/  /' >&2
    tail -n 15 "$log" | sed 's/^/  | /' >&2
    echo "test-env: step '$name' failed; full log: $log" >&2
    exit 1
  fi
  printf 'test-env: %-8s %5d.%01ds  %s\n' "$name" $((ms / 1000)) $((ms % 1000 / 100)) "$(printf '%s' "$out" | tail -n 1)"
}

# --- 1. Debian packages (docker.io is docker.sh's: it checks the docker client first) -------
PKGS=(ca-certificates curl git openssh-server openssh-client busybox-static debootstrap
  docker-registry apache2-utils chromium iproute2 util-linux procps tini openssl)
packages() {
  local missing
  mapfile -t missing < <(missing_pkgs "${PKGS[@]}")
  if [ ${#missing[@]} -eq 0 ]; then
    say "all present"
  else
    ensure_pkgs "${missing[@]}"
    say "installed ${missing[*]}"
  fi
}
# apt-get update at most once per run, shared with the parts (they inherit the variable).
if [ -z "${BERTH_APT_UPDATED:-}" ]; then
  if ! command -v dockerd >/dev/null || [ -n "$(missing_pkgs "${PKGS[@]}")" ]; then
    step apt-upd bash -c 'apt-get update -qq >&2 && echo "package lists refreshed"'
  fi
  export BERTH_APT_UPDATED=1
fi
step packages packages

# --- 2. The lab's network (the swarm advertises its address), Docker Engine, swarm, network -------
step lab-net bash "$PARTS/cluster.sh" net
step docker bash "$PARTS/docker.sh"

# --- 3. Images -------------------------------------------------------------------------------------
step images bash "$PARTS/images.sh"

# --- 4. Registry (scripts/test-env/registry.sh: 127.0.0.1:5000, htpasswd; 10.231.0.1:5000, TLS) ---
step registry bash "$PARTS/registry.sh"

# --- 5. Git over HTTP and SSH ----------------------------------------------------------------------
step git bash "$PARTS/git.sh"

# --- 6. The lab's worker nodes, joined and drained --------------------------------------------------
step lab bash "$PARTS/cluster.sh" nodes

# --- 7. env.json --------------------------------------------------------------------------------------
step env write_env

ms=$(ms_since "$T_START")
printf 'test-env: ready in %d.%01ds\n' $((ms / 1000)) $((ms % 1000 / 100))
