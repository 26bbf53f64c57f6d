#!/usr/bin/env bash
# Docker Engine for the tests: Debian's docker.io, dockerd running, a single-node swarm on
# 127.0.0.1 and the attachable overlay network the applications join. Idempotent; run as
# root. Prints one summary line on stdout, details on stderr.
set -euo pipefail
# shellcheck source=scripts/test-env/lib.sh
. "$(dirname "$0")/lib.sh"

DOCKERD_LOG=/var/log/berth-dockerd.log
done_=()

# 1. The engine. /usr/local/bin/docker may be a static client of another version that no
# package owns (it is on these machines: 28.x); docker.io brings /usr/bin/docker 20.10.
# Both talk to the 20.10 engine (the newer client negotiates API 1.41), so a foreign client
# is left alone. A docker-ce-cli package, however, conflicts with docker.io: apt replaces it.
if ! command -v dockerd >/dev/null; then
  if cli=$(command -v docker); then
    owner=$(dpkg -S "$(readlink -f "$cli")" 2>/dev/null | cut -d: -f1 || true)
    note "docker client $cli: ${owner:-not from a package}"
    case "$owner" in
      docker-ce-cli | docker-ce) note "docker.io conflicts with $owner: apt will replace it" ;;
    esac
  fi
  ensure_pkgs docker.io
  command -v dockerd >/dev/null || die "docker.io installed but dockerd is not on PATH"
  done_+=("installed docker.io")
fi

engine_up() { timeout 10 docker info >/dev/null 2>&1; }

if engine_up; then
  done_+=("engine running")
else
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
    note "systemctl start docker"
    systemctl start docker >&2 || note "systemctl start docker failed; starting dockerd by hand"
  fi
  if ! engine_up; then
    if is_pid_of /var/run/docker.pid dockerd; then
      note "dockerd (pid $(cat /var/run/docker.pid)) is alive but not answering yet; waiting"
    else
      # Stale pid files from a dockerd that was killed make the next one refuse to start.
      rm -f /var/run/docker.pid
      is_pid_of /var/run/docker/containerd/containerd.pid containerd ||
        rm -f /var/run/docker/containerd/containerd.pid
      note "starting dockerd (log: $DOCKERD_LOG)"
      echo "=== $(date -Is) started by scripts/test-env/docker.sh" >>"$DOCKERD_LOG"
      setsid dockerd >>"$DOCKERD_LOG" 2>&1 </dev/null &
    fi
    t0=$SECONDS
    wait_for 60 engine_up || {
      tail -n 20 "$DOCKERD_LOG" >&2 || true
      die "dockerd did not answer within 60 s (log: $DOCKERD_LOG)"
    }
    done_+=("started dockerd in $((SECONDS - t0))s")
  else
    done_+=("started docker.service")
  fi
fi
version=$(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?')

# 2. Single-node swarm. After a restart the node comes back by itself (state "pending"
# for a moment); an unusable state (error, locked) is reset.
swarm_state() { docker info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null; }
swarm_active() { [ "$(swarm_state)" = active ]; }
state=$(swarm_state)
if [ "$state" = pending ]; then
  wait_for 30 swarm_active || true
  state=$(swarm_state)
fi
case "$state" in
  active)
    [ "$(docker info --format '{{.Swarm.ControlAvailable}}')" = true ] ||
      die "this node is a swarm worker, not a manager: run 'docker swarm leave --force' and retry"
    done_+=("swarm active")
    ;;
  inactive)
    docker swarm init --advertise-addr 127.0.0.1 >&2 || die "docker swarm init failed"
    done_+=("swarm initialised")
    ;;
  *)
    note "swarm state '$state': leaving and initialising again"
    docker swarm leave --force >&2 || true
    docker swarm init --advertise-addr 127.0.0.1 >&2 || die "docker swarm init failed"
    done_+=("swarm re-initialised (was $state)")
    ;;
esac

# 3. The overlay network applications and Traefik join.
net=$BERTH_TEST_NETWORK
if info=$(docker network inspect --format '{{.Driver}} {{.Attachable}}' "$net" 2>/dev/null); then
  [ "$info" = "overlay true" ] ||
    die "network $net exists but is '$info', not an attachable overlay: remove it (docker network rm $net) and retry"
  done_+=("network $net present")
else
  docker network create --driver overlay --attachable "$net" >&2 ||
    die "docker network create $net failed"
  done_+=("network $net created")
fi

say_list "engine $version: ${done_[0]}" "${done_[@]:1}"
