#!/usr/bin/env bash
# make bench-instructions: the CPU instructions the service and the baseline spend per request, counted
# by valgrind (callgrind). Requests per second on this kind of machine drift by ±20% from minute to
# minute; an instruction count repeats within a few per cent, so it tells a change of a few per cent in
# the service's own work from noise (bench/README.md).
#
# Each server runs under valgrind; after WARM requests its counts are zeroed, N more requests are sent,
# and the counts are read: one request's work is that total divided by N. Work that runs by the clock
# rather than per request (the revocation poll, the pool's health checks, the runtime's idle threads)
# and the garbage collector's cycles, which fall where they fall, still move a figure by a few per cent
# between runs. Both servers get the same requests, the bearer token included, so the difference
# between them is what the service does beyond reading and answering. Loopback only; everything stops
# by itself (a few minutes). callgrind's totals are exact, but its split by function is not for Go
# (goroutine switches confuse its call stacks): for where the time goes, use the CPU profile of
# `go test -run XXX -bench RequestPath -cpuprofile ...` in internal/httpapi.
#
# Knobs: BENCH_INSTR_REQUESTS (N, default 4000), BENCH_READ_PATH and BENCH_BASELINE_TABLE as in run.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

READ_PATH=${BENCH_READ_PATH:-'/api/v1/clientapps/{id}'}
TABLE=${BENCH_BASELINE_TABLE:-client_apps}
N=${BENCH_INSTR_REQUESTS:-4000}
WARM=200
SVC=127.0.0.1:18084
BASE=127.0.0.1:18085
source bench/common.sh
command -v callgrind_control >/dev/null || bench_install valgrind valgrind
command -v curl >/dev/null || { echo "bench: curl is needed" >&2; exit 1; }
bench_database access_instr
bench_build

service_env=(ACCESS_DATABASE_URL="$db_url" ACCESS_HTTP_ADDR="$SVC"
  ACCESS_BOOTSTRAP_ADMIN_EMAIL="$admin" ACCESS_BOOTSTRAP_ADMIN_PASSWORD="$admin_pw"
  ACCESS_BOOTSTRAP_CLIENT_ID="$client" ACCESS_BOOTSTRAP_CLIENT_SECRET="$client_secret")

# wait_for URL PID SECONDS: until URL answers 2xx, or fail if PID has exited or time is up.
wait_for() {
  local url=$1 pid=$2 secs=$3
  for _ in $(seq 1 $((secs * 5))); do
    curl -sf "$url" >/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || { echo "bench: the server exited (see its log above)" >&2; return 1; }
    sleep 0.2
  done
  echo "bench: $url did not answer in ${secs}s" >&2
  return 1
}

echo "== setting up: the schema, an administrator, a token, a client app to read"
env "${service_env[@]}" bin/access-service serve >/dev/null 2>"$work/setup.log" &
setup_pid=$!
pids+=("$setup_pid")
wait_for "http://$SVC/readyz" "$setup_pid" 30 || { tail -20 "$work/setup.log"; exit 1; }
bench_fixtures
kill -TERM "$setup_pid"; wait "$setup_pid" 2>/dev/null || true
auth="Authorization: Bearer $token"

# per_request NAME URL READY PROGRAM [ARGS...]: PROGRAM under callgrind; once READY answers, WARM requests
# to URL, then the counts are zeroed, N more requests are sent, and the counts are dumped: prints the
# instructions per request of those N.
per_request() {
  local name=$1 url=$2 ready=$3
  shift 3
  local out=$work/$name
  GOMAXPROCS=2 GODEBUG=asyncpreemptoff=1 valgrind --tool=callgrind --trace-children=yes \
    --callgrind-out-file="$out.%p" "$@" >/dev/null 2>"$out.log" &
  local pid=$!
  pids+=("$pid")
  wait_for "$ready" "$pid" 120 || { tail -20 "$out.log" >&2; exit 1; }
  bin/bench-load count -url "$url" -H "$auth" -n "$WARM" -c 4 >/dev/null
  callgrind_control -z "$pid" >/dev/null 2>&1
  bin/bench-load count -url "$url" -H "$auth" -n "$N" -c 4 >/dev/null
  callgrind_control -d "$pid" >/dev/null 2>&1
  kill -TERM "$pid"
  wait "$pid" 2>/dev/null || true
  local dump
  dump=$(ls "$out.$pid".* 2>/dev/null | head -1)
  [[ -n $dump ]] || { tail -20 "$out.log" >&2; echo "bench: callgrind wrote no counts" >&2; exit 1; }
  callgrind_annotate "$dump" 2>/dev/null | awk -v n="$N" '/PROGRAM TOTALS/ {gsub(",", "", $1); printf "%.0f\n", $1 / n}'
}

service=(env "${service_env[@]}" bin/access-service serve)
baseline=(bin/bench-baseline -addr "$BASE" -db "$db_url" -table "$TABLE" -static "$work/directory.json")
echo "== counting (each server under valgrind: $WARM requests to warm up, then $N counted)"
svc_read=$(per_request service-read "http://$SVC$path" "http://$SVC/readyz" "${service[@]}")
base_read=$(per_request baseline-read "http://$BASE/$id" "http://$BASE/$id" "${baseline[@]}")
svc_noread=$(per_request service-noread "http://$SVC/api/v1" "http://$SVC/readyz" "${service[@]}")
base_static=$(per_request baseline-static "http://$BASE/static/" "http://$BASE/static/" "${baseline[@]}")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
report=$(cat <<EOF

| path | service (instructions per request) | baseline, same request | service ÷ baseline |
| --- | --- | --- | --- |
| GET $READ_PATH | $svc_read | $base_read (GET /{id}) | $(ratio "$svc_read" "$base_read") |
| GET /api/v1 (no database read) | $svc_noread | $base_static (GET /static/, the same bytes) | $(ratio "$svc_noread" "$base_static") |

Counted by valgrind (callgrind) over $N requests each, after $WARM to warm up (4 connections,
keep-alive, the same bearer token sent to both). Under valgrind, SHA-256 runs without the CPU's SHA
instructions, so the service's hash of the token counts several times what it costs natively.
EOF
)
echo "$report"
echo "$report" >bin/instructions-results.md
