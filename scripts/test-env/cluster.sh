#!/usr/bin/env bash
# The lab: two Docker worker nodes on this machine, joined to the host engine's swarm, so
# that tests see a real three-node cluster. Run as root.
#
#   cluster.sh up            everything below, idempotently, then env.json
#   cluster.sh net           only the network: the hub, the host's berth-lab = 10.231.0.1/24
#                            and the local `unreachable` route for the lab range
#   cluster.sh nodes         start the nodes that are not running; join, label and drain them
#                            (scripts/test-env.sh runs net, then nodes, then writes env.json)
#   cluster.sh down          tear the lab down (nodes, network, data; env.json then lists the
#                            manager alone); the route stays
#   cluster.sh status        one line per node: process, swarm state, memory
#   cluster.sh node-kill N   power node N off (SIGKILL to its pid namespace: all its containers)
#   cluster.sh node-start N  start node N again on the same data (it rejoins as itself)
#
# A node berth-node-N is a dockerd with its own data root, exec root, socket
# /run/berth-node-N.sock, pid file, config file (own key path: own engine ID) and cgroup
# parent, in its own network namespace (address 10.231.0.1N) and pid namespace with tini as
# PID 1: killing the node's process kills dockerd, containerd, the shims and every
# container, as a power cut would. The nodes' veths meet on a bridge in a hub namespace: in
# the host namespace the host Docker's FORWARD DROP would drop the frames between them. The
# nodes have no default route and a resolv.conf naming 10.231.0.1, where no DNS answers:
# nothing they send leaves the machine. Images reach them from the test registry at
# 10.231.0.1:5000 (TLS, scripts/test-env/registry.sh), never by `docker load`.
# Node $BERTH_LAB_TLS_NODE's engine also listens on tcp://<its address>:2376 with --tlsverify
# (a test CA made here; Berth's client certificate in $BERTH_LAB_ENGINE_TLS/client, named in
# env.json) and is labelled with that endpoint; the other node's label is its socket.
set -euo pipefail
# shellcheck source=scripts/test-env/lib.sh
. "$(dirname "$0")/lib.sh"
PARTS=$(cd "$(dirname "$0")" && pwd)

HUB=berth-lab-hub # network namespace holding the bridge br0
LAB_STATE=/var/lib/berth-lab
LAB_RUN=/run/berth-lab
ROUTE_METRIC=4000 # above the connected route's 0: that one wins while the lab is up

ns_of() { echo "berth-node-$1"; }
addr_of() { echo "$BERTH_LAB_PREFIX.1$1"; }
sock_of() { echo "/run/berth-node-$1.sock"; }
TLS_PORT=2376
# engine_of N — node N's `berth.engine` label: where Berth reaches its engine
engine_of() {
  if [ "$1" = "$BERTH_LAB_TLS_NODE" ]; then echo "tcp://$(addr_of "$1"):$TLS_PORT"; else echo "unix://$(sock_of "$1")"; fi
}
nd() { # nd N ARGS... — the docker CLI on node N
  local n=$1
  shift
  docker -H "unix://$(sock_of "$n")" "$@"
}
valid_node() { case " $BERTH_LAB_NODES " in *" $1 "*) ;; *) die "no node '$1' (nodes: $BERTH_LAB_NODES)" ;; esac }

# --- network ---------------------------------------------------------------------------------
route_ensure() {
  ip route show type unreachable | grep -q "^unreachable $BERTH_LAB_CIDR " ||
    ip route add unreachable "$BERTH_LAB_CIDR" metric $ROUTE_METRIC
}

has_ns() { [ -e "/run/netns/$1" ]; }

net_up() {
  route_ensure
  has_ns "$HUB" || ip netns add "$HUB"
  ip -n "$HUB" link set lo up
  ip -n "$HUB" link show br0 >/dev/null 2>&1 || ip -n "$HUB" link add br0 type bridge
  ip -n "$HUB" link set br0 up
  # Frames bridged in the hub skip iptables (no rules there anyway; the host's are untouched).
  ip netns exec "$HUB" sh -c 'for f in /proc/sys/net/bridge/bridge-nf-call-*; do [ ! -e "$f" ] || echo 0 >"$f"; done'
  # The host's side; a leftover whose peer is gone (the hub was deleted) is replaced.
  if ! ip -n "$HUB" link show host >/dev/null 2>&1; then
    ip link del "$BERTH_LAB_IF" 2>/dev/null || true
    ip link add "$BERTH_LAB_IF" type veth peer name host netns "$HUB"
  fi
  ip -n "$HUB" link set host master br0 up
  ip addr replace "$BERTH_LAB_ADDR/24" dev "$BERTH_LAB_IF"
  ip link set "$BERTH_LAB_IF" up
  local n ns
  for n in $BERTH_LAB_NODES; do
    ns=$(ns_of "$n")
    has_ns "$ns" || ip netns add "$ns"
    if ! ip -n "$HUB" link show "node-$n" >/dev/null 2>&1; then
      ip -n "$ns" link del eth0 2>/dev/null || true
      ip -n "$HUB" link add "node-$n" type veth peer name eth0 netns "$ns"
    fi
    ip -n "$HUB" link set "node-$n" master br0 up
    ip -n "$ns" link set lo up
    ip -n "$ns" addr replace "$(addr_of "$n")/24" dev eth0
    ip -n "$ns" link set eth0 up
    # Names resolve nowhere: `ip netns exec` binds this file over /etc/resolv.conf.
    mkdir -p "/etc/netns/$ns"
    echo "nameserver $BERTH_LAB_ADDR" >"/etc/netns/$ns/resolv.conf"
  done
}

# --- nodes -----------------------------------------------------------------------------------
node_pidfile() { echo "$LAB_RUN/node-$1.pid"; }
node_running() { is_pid_of "$(node_pidfile "$1")" unshare; }
node_answers() { curl -sf -m 2 --unix-socket "$(sock_of "$1")" http://node/_ping >/dev/null 2>&1; }

# The host's cgroup mounts as "fstype source options mountpoint" lines: `ip netns exec`
# mounts a fresh /sys, which hides them, and dockerd needs them.
cgroup_mounts() {
  awk '{ for (i = 7; $i != "-"; i++) ; if ($5 == "/sys/fs/cgroup" || index($5, "/sys/fs/cgroup/") == 1) print $(i+1), $(i+2), $(i+3), $5 }' /proc/self/mountinfo
}

# What runs as PID 1 of a node's pid namespace before it becomes tini: $1 node name, $2 the
# daemon's config file, $BERTH_NODE_CGROUPS the lines of cgroup_mounts.
# shellcheck disable=SC2016
NODE_INIT='set -e
hostname "$1"
while read -r fstype src opts mnt; do
  mkdir -p "$mnt"
  mount -t "$fstype" -o "$opts" "$src" "$mnt"
done <<EOF
$BERTH_NODE_CGROUPS
EOF
# The shims put their sockets under /run/containerd; a private one keeps them off the host.
mkdir -p /run/containerd
mount -t tmpfs -o mode=0700 tmpfs /run/containerd
exec tini -- dockerd --config-file "$2"'

# --- the TLS node's certificates ----------------------------------------------------------------
# A test CA, a server certificate for the TLS node's address, and a client certificate for
# Berth (client/: ca.pem, cert.pem, key.pem, what BERTH_NODE_CERT_PATH names). Made once.
engine_tls_ensure() {
  local dir=$BERTH_LAB_ENGINE_TLS addr key=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
  [ -s "$dir/client/key.pem" ] && return 0
  addr=$(addr_of "$BERTH_LAB_TLS_NODE")
  rm -rf "$dir"
  mkdir -p "$dir/client"
  openssl req -x509 "${key[@]}" -keyout "$dir/ca-key.pem" -out "$dir/ca.pem" -days 3650 -subj "/CN=berth-lab engine test CA" 2>/dev/null
  openssl req "${key[@]}" -keyout "$dir/server-key.pem" -out "$dir/server.csr" -subj "/CN=$(ns_of "$BERTH_LAB_TLS_NODE")" 2>/dev/null
  openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca-key.pem" -CAcreateserial -days 3650 \
    -out "$dir/server-cert.pem" -extfile <(printf 'subjectAltName=IP:%s\nextendedKeyUsage=serverAuth\n' "$addr") 2>/dev/null
  openssl req "${key[@]}" -keyout "$dir/client/key.pem" -out "$dir/client.csr" -subj "/CN=berth" 2>/dev/null
  openssl x509 -req -in "$dir/client.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca-key.pem" -CAcreateserial -days 3650 \
    -out "$dir/client/cert.pem" -extfile <(printf 'extendedKeyUsage=clientAuth\n') 2>/dev/null
  cp "$dir/ca.pem" "$dir/client/ca.pem"
  rm -f "$dir"/*.csr "$dir"/*.srl
  chmod 600 "$dir"/*-key.pem "$dir/client/key.pem"
}

# node_config N — its daemon's config file. cgroupfs whatever the host runs: under systemd,
# dockerd would pick the systemd driver, for which a cgroup parent must be a slice.
node_config() {
  local n=$1 ns data hosts tls=''
  ns=$(ns_of "$n")
  data=$LAB_STATE/node-$n
  hosts="\"unix://$(sock_of "$n")\""
  if [ "$n" = "$BERTH_LAB_TLS_NODE" ]; then
    hosts="$hosts, \"$(engine_of "$n")\""
    tls="
  \"tlsverify\": true,
  \"tlscacert\": \"$BERTH_LAB_ENGINE_TLS/ca.pem\",
  \"tlscert\": \"$BERTH_LAB_ENGINE_TLS/server-cert.pem\",
  \"tlskey\": \"$BERTH_LAB_ENGINE_TLS/server-key.pem\","
  fi
  cat <<EOF
{
  "hosts": [$hosts],$tls
  "data-root": "$data",
  "exec-root": "/run/$ns",
  "pidfile": "/run/$ns.pid",
  "cgroup-parent": "/$ns",
  "exec-opts": ["native.cgroupdriver=cgroupfs"],
  "deprecated-key-path": "$data/key.json"
}
EOF
}
node_config_file() { echo "$LAB_STATE/node-$1.json"; }

node_start() {
  local n=$1 ns config
  node_running "$n" && return 0
  ns=$(ns_of "$n")
  config=$(node_config_file "$n")
  mkdir -p "$LAB_STATE/node-$n" "/run/$ns" "$LAB_RUN"
  [ "$n" != "$BERTH_LAB_TLS_NODE" ] || engine_tls_ensure
  node_config "$n" >"$config"
  # Pid files of a killed node name pids of its dead namespace, which in the new one may be
  # some other live process: dockerd or containerd would refuse to start.
  rm -f "/run/$ns.pid" "/run/$ns/containerd/containerd.pid"
  echo "=== $(date -Is) started by scripts/test-env/cluster.sh" >>"/var/log/$ns.log"
  BERTH_NODE_CGROUPS=$(cgroup_mounts) setsid ip netns exec "$ns" \
    unshare --uts --pid --fork --kill-child --mount-proc sh -c "$NODE_INIT" sh "$ns" "$config" \
    >>"/var/log/$ns.log" 2>&1 </dev/null &
  echo $! >"$(node_pidfile "$n")"
}

node_kill() {
  local n=$1 pidfile
  pidfile=$(node_pidfile "$n")
  node_running "$n" || return 0
  kill -KILL "$(cat "$pidfile")"
  wait_for 10 node_gone "$n" || die "$(ns_of "$n") did not die"
}
node_gone() { ! node_running "$1"; }

wait_answers() {
  local n=$1
  wait_for 60 node_answers "$n" || {
    tail -n 20 "/var/log/$(ns_of "$n").log" >&2 || true
    die "$(ns_of "$n") did not answer on $(sock_of "$n") within 60 s (log: /var/log/$(ns_of "$n").log)"
  }
}

host_swarm_ready() {
  local addr
  addr=$(docker info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}} {{.Swarm.NodeAddr}}' 2>/dev/null) || true
  [ "$addr" = "active true $BERTH_LAB_ADDR" ] ||
    die "the host's swarm is '$addr', not an active manager on $BERTH_LAB_ADDR: run scripts/test-env.sh"
}

node_state() { # node_state ID — its Status.State as the manager sees it
  docker node inspect --format '{{.Status.State}}' "$1" 2>/dev/null
}
node_ready() { [ "$(node_state "$1")" = ready ]; }
local_state() { nd "$1" info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null; }
local_active() { [ "$(local_state "$1")" = active ]; }

# Joins node N unless the host's swarm already has it; prints "ID member" or "ID joined".
node_join() {
  local n=$1 state id token
  read -r state id < <(nd "$n" info --format '{{.Swarm.LocalNodeState}} {{.Swarm.NodeID}}') || return 1
  if [ -n "$id" ] && docker node inspect "$id" >/dev/null 2>&1; then
    # A node that restarts reconnects by itself (pending for a moment).
    if [ "$state" = pending ]; then
      wait_for 20 local_active "$n" || true
      state=$(local_state "$n")
    fi
    if [ "$state" = active ]; then
      echo "$id member"
      return 0
    fi
  fi
  # Another swarm's member (the host's swarm was initialised again) or in error: start over.
  [ "$state" = inactive ] || nd "$n" swarm leave --force >&2 || true
  token=$(docker swarm join-token -q worker) || return 1
  nd "$n" swarm join --token "$token" --advertise-addr "$(addr_of "$n")" \
    --listen-addr "$(addr_of "$n"):2377" "$BERTH_LAB_ADDR:2377" >&2 || return 1
  id=$(nd "$n" info --format '{{.Swarm.NodeID}}') || return 1
  echo "$id joined"
}

nodes_up() {
  local n id how ids=() done_=() engine want stale
  host_swarm_ready
  for n in $BERTH_LAB_NODES; do
    # a node running on an older config (before its TLS listener, say) starts again on this one
    if node_running "$n" && ! cmp -s <(node_config "$n") "$(node_config_file "$n")"; then
      node_kill "$n"
      done_+=("$(ns_of "$n") restarted on its new config")
    fi
    node_running "$n" || { node_start "$n"; done_+=("$(ns_of "$n") started"); }
  done
  for n in $BERTH_LAB_NODES; do wait_answers "$n"; done
  for n in $BERTH_LAB_NODES; do
    read -r id how < <(node_join "$n") && [ -n "$id" ] || die "$(ns_of "$n") could not join the swarm"
    [ "$how" = member ] || done_+=("$(ns_of "$n") joined")
    ids+=("$id")
    # Earlier incarnations of this node (before a re-join) are only noise in `node ls`.
    for stale in $(docker node ls --filter "name=$(ns_of "$n")" --format '{{.ID}} {{.Hostname}}' | awk -v h="$(ns_of "$n")" -v id="$id" '$2 == h && $1 != id { print $1 }'); do
      docker node rm --force "$stale" >&2 && done_+=("stale $(ns_of "$n") $stale removed")
    done
    # Berth reaches a node's engine through this label; the suite expects workers drained.
    engine=$(engine_of "$n")
    want="drain $engine"
    if [ "$(docker node inspect --format '{{.Spec.Availability}} {{index .Spec.Labels "berth.engine"}}' "$id")" != "$want" ]; then
      docker node update --availability drain --label-add "berth.engine=$engine" "$id" >/dev/null
      done_+=("$(ns_of "$n") labelled and drained")
    fi
  done
  for id in "${ids[@]}"; do
    wait_for 30 node_ready "$id" || die "node $id is '$(node_state "$id")', not ready, after 30 s"
  done
  [ ${#done_[@]} -gt 0 ] || done_=("nodes running")
  say_list "$(docker node ls -q | wc -l) nodes ready" "${done_[@]}"
}

lab_up() {
  net_up
  bash "$PARTS/docker.sh" >&2
  bash "$PARTS/registry.sh" >&2
  nodes_up
  write_env >&2 # the nodes' IDs change when they join anew
}

lab_if_gone() { ! ip link show "$BERTH_LAB_IF" >/dev/null 2>&1; }

# --- down --------------------------------------------------------------------------------------
lab_down() {
  local n ns id
  for n in $BERTH_LAB_NODES; do node_kill "$n"; done
  if [ "$(docker info --format '{{.Swarm.ControlAvailable}}' 2>/dev/null)" = true ]; then
    for n in $BERTH_LAB_NODES; do
      for id in $(docker node ls --filter "name=$(ns_of "$n")" --format '{{.ID}} {{.Hostname}}' | awk -v h="$(ns_of "$n")" '$2 == h { print $1 }'); do
        docker node rm --force "$id" >&2
      done
    done
  fi
  bash "$PARTS/registry.sh" lab-stop >&2
  for n in $BERTH_LAB_NODES; do
    ns=$(ns_of "$n")
    ! has_ns "$ns" || ip netns del "$ns"
    # Empty cgroups the node's containers left, deepest first.
    find /sys/fs/cgroup/*/"$ns" -depth -type d -exec rmdir {} + 2>/dev/null || true
    rm -rf "${LAB_STATE:?}/node-$n" "$LAB_STATE/node-$n.json" "/run/$ns" "/run/$ns.pid" "$(sock_of "$n")" \
      "/etc/netns/$ns" "$(node_pidfile "$n")"
  done
  # Deleting the hub deletes the veths' peers, so the host's berth-lab goes too (a moment later).
  rm -rf "$BERTH_LAB_ENGINE_TLS"
  rmdir "$LAB_STATE" "$LAB_RUN" 2>/dev/null || true
  ! has_ns "$HUB" || ip netns del "$HUB"
  wait_for 5 lab_if_gone || ip link del "$BERTH_LAB_IF" 2>/dev/null || true
  route_ensure
  write_env >&2
  say "lab down; the route '$(ip route show type unreachable | grep "^unreachable $BERTH_LAB_CIDR " | sed 's/ *$//')' stays"
}

# --- status -----------------------------------------------------------------------------------
# PSS in MiB of the node's daemons (dockerd, containerd, shims: the processes of its pid
# namespace that are no container's) as "dockerd X containerd Y shims Z (n)".
node_memory() {
  local root=$1 pids
  pids=$(ps -e -o pid=,ppid=,comm= | awk -v root="$root" '
    { parent[$1] = $2; comm[$1] = $3 }
    END {
      for (p in parent) {
        for (q = p; q in parent && q != root && q > 1; q = parent[q]) ;
        if (q == root && comm[p] ~ /^(dockerd|containerd|containerd-shim.*)$/) print p, comm[p]
      }
    }')
  [ -n "$pids" ] || { echo "no daemons"; return; }
  while read -r pid comm; do
    awk -v c="$comm" '/^Pss:/ { print c, $2 }' "/proc/$pid/smaps_rollup" 2>/dev/null || true
  done <<<"$pids" | awk '
    { k = ($1 ~ /^containerd-shim/) ? "shims" : $1; kb[k] += $2; if (k == "shims") shims++; total += $2 }
    END { printf "PSS %.0f MiB: dockerd %.0f, containerd %.0f, %d shims %.0f", total / 1024, kb["dockerd"] / 1024, kb["containerd"] / 1024, shims, kb["shims"] / 1024 }'
}

lab_status() {
  local n ns line swarm
  if lab_net_up; then say "network: $BERTH_LAB_IF $BERTH_LAB_ADDR up"; else say "network: down"; fi
  say "route: $(ip route show type unreachable | grep "^unreachable $BERTH_LAB_CIDR " || echo "no unreachable route for $BERTH_LAB_CIDR")"
  say "host: swarm $(docker info --format '{{.Swarm.LocalNodeState}} on {{.Swarm.NodeAddr}}' 2>/dev/null || echo 'engine not answering')"
  for n in $BERTH_LAB_NODES; do
    ns=$(ns_of "$n")
    swarm=$(docker node ls --format '{{.Hostname}} {{.Status}} {{.Availability}}' 2>/dev/null | awk -v h="$ns" '$1 == h { print $2, $3 }' | head -n 1)
    if node_running "$n"; then
      line="$ns $(addr_of "$n"): running (pid $(cat "$(node_pidfile "$n")")), $(node_memory "$(cat "$(node_pidfile "$n")")")"
    else
      line="$ns $(addr_of "$n"): not running"
    fi
    say "$line; swarm: ${swarm:-not a member}"
  done
}

cmd=${1:-}
case "$cmd" in
  up) lab_up ;;
  net) net_up && say "$BERTH_LAB_IF $BERTH_LAB_ADDR/24 up, unreachable route for $BERTH_LAB_CIDR" ;;
  nodes) net_up && nodes_up ;;
  down) lab_down ;;
  status) lab_status ;;
  node-kill)
    valid_node "${2:-}"
    node_kill "$2"
    say "$(ns_of "$2") killed"
    ;;
  node-start)
    valid_node "${2:-}"
    lab_net_up || die "the lab network is down: run '$0 up'"
    node_start "$2"
    wait_answers "$2"
    say "$(ns_of "$2") started"
    ;;
  *) die "usage: $0 up|net|nodes|down|status|node-kill N|node-start N" ;;
esac
