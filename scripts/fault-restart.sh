#!/usr/bin/env bash
# The PostgreSQL-restart fault test against a real server: makes a private throw-away cluster with the
# local initdb (as the postgres user when run as root), runs internal/faults' TestPostgresRestart, which
# stops and starts that cluster in the middle of a load, then removes the cluster. The machine's shared
# PostgreSQL server is never stopped. Bounded: the load runs for about 5 seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
[[ -x "$bindir/initdb" && -x "$bindir/pg_ctl" ]] || { echo "fault-restart: no initdb/pg_ctl found" >&2; exit 1; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/access-fault-pg.XXXXXX")
port=${ACCESS_FAULT_PG_PORT:-54339}
runas=()
if [[ $(id -u) == 0 ]]; then runas=(runuser -u postgres --); chown postgres "$dir"; fi
cleanup() {
  "${runas[@]}" "$bindir/pg_ctl" -D "$dir" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
"${runas[@]}" "$bindir/initdb" -D "$dir" -U postgres -A trust >/dev/null
"${runas[@]}" "$bindir/pg_ctl" -D "$dir" -l "$dir/server.log" -o "-p $port -k $dir -c listen_addresses=127.0.0.1" -w start >/dev/null
ACCESS_FAULT_PG="$bindir $dir $port" go test -count=1 -v -run 'TestPostgresRestart$' ./internal/faults
