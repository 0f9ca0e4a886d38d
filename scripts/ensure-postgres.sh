#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers for the tests, and says clearly what is missing when none can be
# had. In order: $ACCESS_TEST_DATABASE_URL if set; the server on 127.0.0.1:5432; the machine's cluster
# started with pg_ctlcluster; a private throw-away cluster made with the local initdb on port 54329.
# Writes the URL to use into .postgres-url.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -f .postgres-url

answers() { # host port
  if command -v pg_isready >/dev/null 2>&1; then
    pg_isready -q -h "$1" -p "$2" -t 3
  else
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
  fi
}

if [[ -n "${ACCESS_TEST_DATABASE_URL:-}" ]]; then
  echo "PostgreSQL: using ACCESS_TEST_DATABASE_URL"
  exit 0
fi

if answers 127.0.0.1 5432; then
  echo "PostgreSQL: answering on 127.0.0.1:5432"
  exit 0
fi

if command -v pg_ctlcluster >/dev/null 2>&1 && ls /etc/postgresql/*/main >/dev/null 2>&1; then
  version=$(ls /etc/postgresql | sort -V | tail -1)
  echo "PostgreSQL: starting the machine's cluster $version/main"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || pg_ctlcluster "$version" main start || true
  for _ in $(seq 1 30); do answers 127.0.0.1 5432 && { echo "PostgreSQL: up"; exit 0; }; sleep 1; done
fi

bindir=""
if command -v initdb >/dev/null 2>&1; then
  bindir=$(dirname "$(command -v initdb)")
else
  bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
fi
if [[ -n "$bindir" && -x "$bindir/initdb" && -x "$bindir/pg_ctl" ]]; then
  dir="${TMPDIR:-/tmp}/access-service-pg"
  port=54329
  runas=()
  if [[ $(id -u) == 0 ]]; then
    id postgres >/dev/null 2>&1 || { echo "PostgreSQL: initdb refuses to run as root and there is no 'postgres' user" >&2; exit 1; }
    runas=(runuser -u postgres --)
  fi
  if [[ ! -f "$dir/PG_VERSION" ]]; then
    echo "PostgreSQL: creating a private cluster in $dir"
    mkdir -p "$dir"; [[ ${#runas[@]} -gt 0 ]] && chown postgres "$dir"
    "${runas[@]}" "$bindir/initdb" -D "$dir" -U postgres -A trust >/dev/null
  fi
  if ! answers 127.0.0.1 $port; then
    echo "PostgreSQL: starting the private cluster on 127.0.0.1:$port"
    "${runas[@]}" "$bindir/pg_ctl" -D "$dir" -l "$dir/server.log" -o "-p $port -k $dir -c listen_addresses=127.0.0.1" -w start >/dev/null
  fi
  echo "postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable" > .postgres-url
  exit 0
fi

echo "PostgreSQL is needed for the tests and none could be found or started: install it (Debian: apt-get install postgresql) or set ACCESS_TEST_DATABASE_URL to a server where the user may create databases." >&2
exit 1
