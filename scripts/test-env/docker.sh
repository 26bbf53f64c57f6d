#!/usr/bin/env bash
# Docker Engine for the tests: Debian's docker.io, dockerd running, a swarm whose manager is
# this engine, advertising the lab address 10.231.0.1 (the lab's worker nodes join it; see
# cluster.sh, whose `net` must have run) with a 1 s dispatcher heartbeat, and the attachable
# overlay network the applications join. Idempotent; run as root. Prints one summary line on
# stdout, details on stderr.
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

# 2. The swarm. After a restart the node comes back by itself (state "pending" for a
# moment); an unusable state (error, locked) is reset. A swarm advertising another address
# (127.0.0.1, as before the lab) is initialised again: the lab's nodes can reach only
# 10.231.0.1. That drops its services and networks; the network is made again below.
# A dead node is marked down after 3 heartbeats: 1 s makes that seconds, not 15.
ADVERTISE=$BERTH_LAB_ADDR
HEARTBEAT=1s
lab_net_up || die "the lab network ($BERTH_LAB_IF, $ADVERTISE) is down: run scripts/test-env/cluster.sh net"
swarm_state() { docker info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null; }
swarm_active() { [ "$(swarm_state)" = active ]; }
swarm_init() {
  docker swarm init --advertise-addr "$ADVERTISE" --dispatcher-heartbeat "$HEARTBEAT" >&2 || die "docker swarm init failed"
}
state=$(swarm_state)
if [ "$state" = pending ]; then
  wait_for 30 swarm_active || true
  state=$(swarm_state)
fi
case "$state" in
  active)
    [ "$(docker info --format '{{.Swarm.ControlAvailable}}')" = true ] ||
      die "this node is a swarm worker, not a manager: run 'docker swarm leave --force' and retry"
    addr=$(docker info --format '{{.Swarm.NodeAddr}}')
    if [ "$addr" != "$ADVERTISE" ]; then
      note "the swarm advertises $addr, not $ADVERTISE: leaving and initialising again"
      docker swarm leave --force >&2 || die "docker swarm leave failed"
      swarm_init
      done_+=("swarm re-initialised on $ADVERTISE (was $addr)")
    else
      done_+=("swarm active on $ADVERTISE")
    fi
    ;;
  inactive)
    swarm_init
    done_+=("swarm initialised on $ADVERTISE")
    ;;
  *)
    note "swarm state '$state': leaving and initialising again"
    docker swarm leave --force >&2 || true
    swarm_init
    done_+=("swarm re-initialised on $ADVERTISE (was $state)")
    ;;
esac
if [ "$(docker info --format '{{.Swarm.Cluster.Spec.Dispatcher.HeartbeatPeriod}}')" != "$HEARTBEAT" ]; then
  docker swarm update --dispatcher-heartbeat "$HEARTBEAT" >&2 || die "docker swarm update --dispatcher-heartbeat failed"
  done_+=("heartbeat set to $HEARTBEAT")
fi

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
