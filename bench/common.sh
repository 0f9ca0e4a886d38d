# Sourced by bench/run.sh and bench/instructions.sh (from the repository's root): what both need.
#
#   bench_install CMD PACKAGE   installs Debian's PACKAGE when CMD is missing
#   bench_database PREFIX       PostgreSQL up, a throw-away database PREFIX_<pid>: sets admin_url, db,
#                               db_url; the EXIT trap stops every pid in pids, drops it and removes $work
#   bench_build                 the service, the baseline and the load tool, in bin/
#   bench_fixtures              from the service at $SVC (bootstrapped with the credentials below): a
#                               token, a client app to read (id, and path: READ_PATH with its id) and the
#                               no-read answer in $work/directory.json
# and the bootstrap credentials the runs give the service (admin, admin_pw, client, client_secret).

work=$(mktemp -d)
pids=()

bench_install() {
  command -v "$1" >/dev/null && return 0
  echo "bench: installing $2 (Debian package)"
  if [[ $(id -u) == 0 ]]; then apt-get install -y "$2" >/dev/null || { apt-get update >/dev/null && apt-get install -y "$2" >/dev/null; }
  else sudo apt-get install -y "$2" >/dev/null; fi
}

bench_database() {
  ./scripts/ensure-postgres.sh
  admin_url=$(cat .postgres-url 2>/dev/null || echo 'postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable')
  db=${1}_$$
  db_url=${admin_url/\/postgres\?/\/$db?}
  psql -q "$admin_url" -c "CREATE DATABASE $db" >/dev/null
  trap bench_cleanup EXIT
}

bench_cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  psql -q "$admin_url" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}

bench_build() {
  echo "== building"
  mkdir -p bin
  go build -o bin/access-service ./cmd/access-service
  go build -o bin/bench-baseline ./bench/baseline
  go build -o bin/bench-load ./bench/load
}

bench_fixtures() {
  token=$(curl -sf -u "$client:$client_secret" --data-urlencode grant_type=password --data-urlencode "username=$admin" \
    --data-urlencode "password=$admin_pw" "http://$SVC/api/oauth/token" | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
  [[ -n $token ]] || { echo "bench: no token from $SVC (is another server on that port?)" >&2; exit 1; }
  local app
  app=$(curl -sf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' "http://$SVC/api/v1/clientapps" \
    -d '{"appName":"Bench","clientId":"bench-read","clientSecret":"a long enough secret for the 32-character rule","accessTokenValiditySeconds":3600,"refreshTokenValiditySeconds":86400,"authorizedGrantTypes":["password"]}')
  id=$(echo "$app" | sed 's/.*"id":"\([0-9]*\)".*/\1/')
  path=${READ_PATH//\{id\}/$id}
  curl -sf -H "Authorization: Bearer $token" "http://$SVC/api/v1" >"$work/directory.json"
}

admin=bench-admin@example.com
admin_pw='bench admin password'
client=bench-client
client_secret='bench client secret, 32 characters or more'
