#!/usr/bin/env bash
# Installs Berth's dependencies on a Debian machine (idempotent). Run as root or a sudoer.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v node >/dev/null || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  echo "Berth needs Node.js 20 or newer on PATH" >&2
  exit 1
fi
# better-sqlite3 compiles its native module when no prebuilt binary can be fetched.
if ! command -v g++ >/dev/null || ! command -v make >/dev/null; then
  apt-get update -qq && apt-get install -y -qq build-essential python3 >/dev/null
fi
# git is needed by the test suite (git sources) and by the git-based tools.
command -v git >/dev/null || { apt-get update -qq && apt-get install -y -qq git >/dev/null; }
npm ci --no-audit --no-fund
# better-sqlite3's native module for the other supported Node majors (package.json engines).
node scripts/native-modules.mjs

# The test environment: Docker engine in swarm mode with the lab's two worker nodes (their
# own daemons in namespaces on 10.231.0.0/24), local base images, a registry and git servers
# on loopback (needs root; idempotent, fast when already set up).
bash scripts/test-env.sh
