#!/usr/bin/env bash
# Makes sure the spec's npm tools (package.json, pinned by package-lock.json) are installed: Node.js
# and npm must be there; node_modules is (re)installed with `npm ci` when missing or stale.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "Node.js (20.19 or later) and npm are needed for the spec's linter, the TypeScript client and the explorer's browser test: install them (https://nodejs.org, or your system's packages) and run this again." >&2
  exit 1
fi
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a==20&&b>=19)?0:1)'; then
  echo "Node.js $(node --version) is too old: the spec's tools need 20.19 or later." >&2
  exit 1
fi

stamp=node_modules/.package-lock.json
if [[ ! -f $stamp || package-lock.json -nt $stamp ]]; then
  echo "npm tools: npm ci"
  # No install scripts: none of our tools needs one, and some packages' scripts phone home.
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error || {
    echo "npm ci failed: the npm registry must be reachable to install the tools in package-lock.json." >&2
    exit 1
  }
else
  echo "npm tools: up to date"
fi
