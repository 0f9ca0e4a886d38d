#!/usr/bin/env bash
# The breaking-change gate: openapi.yaml against the last release of the spec (the highest
# api/releases/vX.Y.Z.yaml), with oasdiff, pinned in api/tools/go.mod. Fails on any change oasdiff
# calls an error (a removed operation, a new required request member, a response member made optional,
# ...); warnings are shown. To release: copy openapi.yaml to api/releases/v<info.version>.yaml.
set -euo pipefail
cd "$(dirname "$0")/.."

base=$(ls api/releases/v*.yaml 2>/dev/null | sort -V | tail -n 1)
[[ -n $base ]] || { echo "check-breaking: no release in api/releases/" >&2; exit 1; }
mkdir -p bin
(cd api/tools && go build -o ../../bin/oasdiff github.com/oasdiff/oasdiff)
echo "check-breaking: openapi.yaml against $base"
bin/oasdiff breaking "$base" openapi.yaml --fail-on ERR
