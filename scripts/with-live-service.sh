#!/usr/bin/env bash
# Runs a command against a live Access Service: builds the binary, starts `access-service serve` on a
# free loopback port with a fresh embedded store (in a temporary folder) and a bootstrap administrator
# and client app, waits until it is ready, runs the command with these variables set, then stops the
# service. Exits with the command's status.
#   ACCESS_BASE_URL                              http://127.0.0.1:PORT
#   ACCESS_ADMIN_EMAIL, ACCESS_ADMIN_PASSWORD    a SafeShare administrator
#   ACCESS_CLIENT_ID, ACCESS_CLIENT_SECRET       a first-party client app (password and refresh grants)
# Example: scripts/with-live-service.sh node tests/browser/screenshot.mjs explorer.png
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $# -gt 0 ]] || { echo "usage: $0 COMMAND [ARG...]" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/access-live.XXXXXX")
pid=""
cleanup() {
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/access-service" ./cmd/access-service
port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")

export ACCESS_BASE_URL="http://127.0.0.1:$port"
export ACCESS_ADMIN_EMAIL="explorer-admin@example.com"
export ACCESS_ADMIN_PASSWORD="live service password $RANDOM$RANDOM"
export ACCESS_CLIENT_ID="live-test-client"
export ACCESS_CLIENT_SECRET="live-test-secret-of-32-characters-$RANDOM$RANDOM"

ACCESS_DATABASE_URL="sqlite:$work/access-service.db" \
ACCESS_HTTP_ADDR="127.0.0.1:$port" \
ACCESS_BOOTSTRAP_ADMIN_EMAIL="$ACCESS_ADMIN_EMAIL" \
ACCESS_BOOTSTRAP_ADMIN_PASSWORD="$ACCESS_ADMIN_PASSWORD" \
ACCESS_BOOTSTRAP_CLIENT_ID="$ACCESS_CLIENT_ID" \
ACCESS_BOOTSTRAP_CLIENT_SECRET="$ACCESS_CLIENT_SECRET" \
  "$work/access-service" serve >"$work/service.log" 2>&1 &
pid=$!

ready=0
for _ in $(seq 1 100); do
  if ! kill -0 "$pid" 2>/dev/null; then break; fi
  if node -e "fetch(process.argv[1]).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))" "$ACCESS_BASE_URL/readyz"; then ready=1; break; fi
  sleep 0.2
done
if [[ $ready != 1 ]]; then
  echo "with-live-service: the service did not become ready at $ACCESS_BASE_URL; its log:" >&2
  tail -n 30 "$work/service.log" >&2
  exit 1
fi
echo "with-live-service: serving at $ACCESS_BASE_URL"

status=0
"$@" || status=$?
if [[ $status != 0 ]]; then
  echo "with-live-service: '$*' failed ($status); the service's last log lines:" >&2
  tail -n 20 "$work/service.log" >&2
fi
exit $status
