#!/usr/bin/env bash
# The base images the tests' Dockerfiles and services use, built on this machine without
# any registry, under the official names:
#   busybox:latest         docker import of a rootfs from Debian's busybox-static
#   debian:bookworm-slim   docker import of `debootstrap --variant=minbase bookworm`
#   node:20-bookworm-slim  debian:bookworm-slim + the host's node (and npm)
# An image that exists already is kept. Idempotent; run as root. One summary line on
# stdout, details on stderr.
set -euo pipefail
# shellcheck source=scripts/test-env/lib.sh
. "$(dirname "$0")/lib.sh"

CACHE=$BERTH_TEST_DIR/cache
mkdir -p "$CACHE"
WORK=$(mktemp -d /tmp/berth-images.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
export DOCKER_BUILDKIT=0 # the classic builder: 20.10's BuildKit is not needed for these
summary=()

have_image() { docker image inspect "$1" >/dev/null 2>&1; }

# --- busybox:latest ---------------------------------------------------------------------
build_busybox() {
  ensure_pkgs busybox-static
  local root=$WORK/busybox a
  mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,root,tmp,var/www,var/run,home,proc,sys,dev}
  chmod 1777 "$root/tmp"
  cp /bin/busybox "$root/bin/busybox"
  for a in $("$root/bin/busybox" --list); do
    [ "$a" = busybox ] || ln -s busybox "$root/bin/$a"
  done
  ln -s /bin/env "$root/usr/bin/env"
  printf 'root:x:0:0:root:/root:/bin/sh\nwww-data:x:33:33:www-data:/var/www:/bin/false\nnobody:x:65534:65534:nobody:/home:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nwww-data:x:33:\nnogroup:x:65534:\n' >"$root/etc/group"
  printf 'hosts: files dns\n' >"$root/etc/nsswitch.conf"
  tar --numeric-owner -C "$root" -c . |
    docker import \
      --change 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'CMD ["sh"]' \
      --message "berth test image: Debian busybox-static $(dpkg-query -W -f='${Version}' busybox-static)" \
      - busybox:latest >&2
}

# --- debian:bookworm-slim ----------------------------------------------------------------
# The mirror: the first bookworm "main" source configured for apt on this machine that
# answers (BERTH_DEBIAN_MIRROR overrides).
apt_mirrors() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i !~ /^\[/ && $i !~ /=/ && $i !~ /\]$/) { if ($(i+1) == "bookworm") print $i; break } }' "$f"
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    # deb822 stanzas: print the URIs of stanzas whose Suites include bookworm
    awk 'BEGIN { RS = ""; FS = "\n" }
      { uris = ""; suites = ""; types = "";
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^URIs:/) { uris = $i; sub(/^URIs:[ \t]*/, "", uris) }
          if ($i ~ /^Suites:/) { suites = " " $i " " }
          if ($i ~ /^Types:/) { types = $i }
        }
        if (types ~ /deb( |$)/ && suites ~ / bookworm /) { n = split(uris, u, /[ \t]+/); for (j = 1; j <= n; j++) print u[j] } }' "$f"
  done
}

pick_mirror() {
  local m
  if [ -n "${BERTH_DEBIAN_MIRROR:-}" ]; then echo "$BERTH_DEBIAN_MIRROR"; return; fi
  for m in $(apt_mirrors) http://deb.debian.org/debian; do
    if curl -fsS -m 10 -o /dev/null "${m%/}/dists/bookworm/Release" 2>/dev/null; then
      echo "${m%/}"
      return
    fi
    note "mirror $m does not answer"
  done
  return 1
}

DEBIAN_TAR=$CACHE/debian-bookworm-minbase.tar
build_debian() {
  if [ ! -s "$DEBIAN_TAR" ]; then
    ensure_pkgs debootstrap curl
    local mirror root=$WORK/debian
    mirror=$(pick_mirror) || die "no Debian mirror answers (set BERTH_DEBIAN_MIRROR)"
    note "debootstrap --variant=minbase bookworm from $mirror"
    debootstrap --variant=minbase bookworm "$root" "$mirror" >&2 ||
      die "debootstrap failed (see $root/debootstrap/debootstrap.log)"
    # Trim like the official slim image: no docs, man pages or translations (and dpkg told
    # to skip them from now on), no package caches or lists; apt pointed at the mirror.
    cat >"$root/etc/dpkg/dpkg.cfg.d/docker" <<'DPKG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
DPKG
    find "$root/usr/share/doc" -mindepth 1 -not -type d -not -name copyright -delete
    find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete
    rm -rf "$root"/usr/share/man/* "$root"/usr/share/info/*
    find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/cache/apt/*.bin "$root"/var/lib/apt/lists/* \
      "$root"/tmp/* "$root"/var/log/*.log "$root"/var/cache/debconf/*-old
    printf 'deb %s bookworm main\n' "$mirror" >"$root/etc/apt/sources.list"
    : >"$root/etc/hostname"
    rm -f "$root/etc/resolv.conf" "$root/etc/hosts"
    tar --numeric-owner -C "$root" -cf "$DEBIAN_TAR.tmp" . && mv "$DEBIAN_TAR.tmp" "$DEBIAN_TAR"
  else
    note "using cached rootfs $DEBIAN_TAR"
  fi
  docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' \
    --message "berth test image: debootstrap --variant=minbase bookworm" \
    "$DEBIAN_TAR" debian:bookworm-slim >&2
}

# --- node:20-bookworm-slim -----------------------------------------------------------------
build_node() {
  local ctx=$WORK/node node_bin npm_dir lib libs=()
  node_bin=$(readlink -f "$(command -v node)") || die "no node on PATH"
  "$node_bin" -e 'process.exit(process.versions.node.split(".")[0] === "20" ? 0 : 1)' ||
    note "warning: host node is $("$node_bin" --version), not 20.x"
  mkdir -p "$ctx/libs"
  cp "$node_bin" "$ctx/node"
  # npm as the official image has it, when the host has it beside node.
  npm_dir=$(dirname "$(dirname "$node_bin")")/lib/node_modules/npm
  if [ -d "$npm_dir" ]; then cp -a "$npm_dir" "$ctx/npm"; else mkdir "$ctx/npm"; fi
  # Shared libraries node needs that the Debian image lacks (libstdc++6 is normally there,
  # as apt needs it); they are copied from the host.
  for lib in $(ldd "$node_bin" | awk '/=> \// { print $3 }'); do
    docker run --rm --network none debian:bookworm-slim test -e "$lib" >/dev/null 2>&1 ||
      { cp -L "$lib" "$ctx/libs/"; libs+=("$(basename "$lib")"); }
  done
  [ ${#libs[@]} -eq 0 ] || note "adding host libraries: ${libs[*]}"
  cat >"$ctx/Dockerfile" <<'EOF'
FROM debian:bookworm-slim
COPY libs/ /usr/local/lib/
COPY node /usr/local/bin/node
COPY npm/ /usr/local/lib/node_modules/npm/
RUN ldconfig \
 && if [ -f /usr/local/lib/node_modules/npm/bin/npm-cli.js ]; then \
      ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
   && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx; \
    else rmdir /usr/local/lib/node_modules/npm; fi \
 && node --version
ENV NODE_VERSION=@NODE_VERSION@
CMD ["node"]
EOF
  sed -i "s/@NODE_VERSION@/$("$node_bin" -p process.versions.node)/" "$ctx/Dockerfile"
  docker build -q -t node:20-bookworm-slim "$ctx" >&2
}

for spec in busybox:latest:build_busybox debian:bookworm-slim:build_debian node:20-bookworm-slim:build_node; do
  fn=${spec##*:}
  image=${spec%:*}
  if have_image "$image"; then
    summary+=("$image present")
  else
    t0=$SECONDS
    "$fn" || die "building $image failed"
    have_image "$image" || die "building $image left no image"
    summary+=("$image built in $((SECONDS - t0))s")
  fi
done

say_list "${summary[@]}"
