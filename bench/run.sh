#!/usr/bin/env bash
# make bench: the service against a minimal baseline server (bench/baseline: net/http + a pgx pool, no
# auth, no validation) doing the same indexed read, on the same machine, in the same run; rounds
# interleaved, each ratio to the baseline the median of the rounds' own ratios. Loopback only; every
# load is bounded in time.
#
# Knobs: BENCH_READ_PATH (the service's authenticated indexed read, {id} replaced by a real id; default
# /api/v1/clientapps/{id}), BENCH_BASELINE_TABLE (the table the baseline reads by id; client_apps),
# BENCH_ROUNDS (5), BENCH_SECONDS (5, per closed-loop measurement), BENCH_CONNECTIONS (16),
# BENCH_OPEN_RATE (requests/s of the open-loop latency runs; default 30% of the slower closed-loop
# throughput of round 1),
# BENCH_OVERLOAD_SECONDS (30). The flood phase (token requests with made-up client ids from several
# addresses while real sign-ins go on, against a second instance with the default rate limits):
# BENCH_FLOOD_SECONDS (20), BENCH_FLOOD_RATE (320 requests/s in all), BENCH_FLOOD_SOURCES (8 addresses,
# 127.0.0.2 on), BENCH_FLOOD_REAL_RATE (5 password grants/s), BENCH_FLOOD_SERVICE (the binary the flood
# phase runs, default bin/access-service: another build, for a before-and-after). BENCH_ONLY=flood runs
# the flood phase alone. The organisation phase (a seeded organisation of BENCH_ORG_MEMBERS members
# (10,000), 200 clearances and 100 classifications; its reads against the baseline, in rounds of their
# own) runs after the reads; BENCH_ONLY=orgadmin runs it alone. The MFA phase (BENCH_MFA_USERS accounts,
# 1500, with MFA, each signing in in two steps) follows the password grant; BENCH_ONLY=mfa runs the
# password grant and it alone. The activity phase (BENCH_ACTIVITY_RECORDS sign-in records, 1,000,000,
# over 365 days, bulk-inserted into the database by the load tool, then the sign-in dashboard for the
# year against the baseline in rounds of its own) follows the organisation phase; BENCH_ONLY=activity
# runs it alone.
# The hot-reads phase (GET /theme and GET /api/v1/config, which every page
# load of every web client makes, against the service's own no-read path GET /api/v1, in rounds of their
# own) follows the activity phase; BENCH_ONLY=hot runs it alone.
set -euo pipefail
cd "$(dirname "$0")/.."

READ_PATH=${BENCH_READ_PATH:-'/api/v1/clientapps/{id}'}
TABLE=${BENCH_BASELINE_TABLE:-client_apps}
ROUNDS=${BENCH_ROUNDS:-5}
SECS=${BENCH_SECONDS:-5}
CONNS=${BENCH_CONNECTIONS:-16}
OVERLOAD_SECS=${BENCH_OVERLOAD_SECONDS:-30}
FLOOD_SECS=${BENCH_FLOOD_SECONDS:-20}
FLOOD_RATE=${BENCH_FLOOD_RATE:-320}
FLOOD_SOURCES=${BENCH_FLOOD_SOURCES:-8}
FLOOD_REAL_RATE=${BENCH_FLOOD_REAL_RATE:-5}
ONLY=${BENCH_ONLY:-}
ORG_MEMBERS=${BENCH_ORG_MEMBERS:-10000}
MFA_USERS=${BENCH_MFA_USERS:-1500}
ACTIVITY_RECORDS=${BENCH_ACTIVITY_RECORDS:-1000000}
[[ $ONLY != mfa ]] || ROUNDS=0 # no reads: the password grant and the MFA phase only
[[ -z $ONLY || $ONLY == flood || $ONLY == orgadmin || $ONLY == mfa || $ONLY == activity || $ONLY == hot ]] || { echo "bench: BENCH_ONLY takes 'flood', 'orgadmin', 'mfa', 'activity' or 'hot'" >&2; exit 2; }
SVC=127.0.0.1:18080
BASE=127.0.0.1:18081
FLOOD_SVC=127.0.0.1:18082
CORES=$(nproc)
source bench/common.sh
bench_install wrk wrk
command -v curl >/dev/null || { echo "bench: curl is needed" >&2; exit 1; }
bench_database access_bench
bench_build
FLOOD_BIN=${BENCH_FLOOD_SERVICE:-bin/access-service}

# The password grant's form and the client's Basic credentials, as the grants and the flood send them.
form="grant_type=password&username=$(printf %s "$admin" | sed 's/@/%40/')&password=$(printf %s "$admin_pw" | sed 's/ /+/g')"
basic=$(printf %s "$client:$client_secret" | base64 -w0)
field() { grep -o "\"$1\":[0-9.]*" | head -1 | cut -d: -f2; }
verdict() { awk -v a="$1" -v b="$2" 'BEGIN {print (a >= b) ? "ok" : "MISSED"}'; }
# CPU time the hypervisor gave to other guests (steal), as jiffies "steal total" from /proc/stat; a share
# of it between two readings says how much of the machine this run did not get.
cpu_ticks() { awk '/^cpu / {t = 0; for (i = 2; i <= 9; i++) t += $i; print $9, t}' /proc/stat; }
stolen() { awk -v a="$1" -v b="$2" 'BEGIN {split(a, x, " "); split(b, y, " "); d = y[2] - x[2]; printf "%.0f", (d > 0) ? 100 * (y[1] - x[1]) / d : 0}'; }

# The flood phase: a second instance on the same database with the default rate limits and production
# hash costs (the first runs with its limits lifted, for the other phases), token requests with made-up
# client ids from $FLOOD_SOURCES addresses at $FLOOD_RATE/s, and meanwhile real password grants from
# 127.0.0.1 at $FLOOD_REAL_RATE/s. Sets flood_rows (report rows) and flood_steal.
flood_phase() {
  echo "== flood: made-up client ids from $FLOOD_SOURCES addresses at $FLOOD_RATE req/s for ${FLOOD_SECS}s, real grants at $FLOOD_REAL_RATE/s ($FLOOD_BIN, default limits)"
  ACCESS_DATABASE_URL=$db_url ACCESS_HTTP_ADDR=$FLOOD_SVC \
    ACCESS_BOOTSTRAP_ADMIN_EMAIL=$admin ACCESS_BOOTSTRAP_ADMIN_PASSWORD=$admin_pw \
    ACCESS_BOOTSTRAP_CLIENT_ID=$client ACCESS_BOOTSTRAP_CLIENT_SECRET=$client_secret \
    "$FLOOD_BIN" serve 2>"$work/flood-service.log" &
  local flood_pid=$!
  pids+=("$flood_pid")
  for _ in $(seq 1 100); do curl -sf "http://$FLOOD_SVC/readyz" >/dev/null && break; sleep 0.1; done
  curl -sf "http://$FLOOD_SVC/readyz" >/dev/null || { tail -20 "$work/flood-service.log"; echo "bench: the flood instance did not start" >&2; exit 1; }
  curl -sf -H "Authorization: Basic $basic" -d "$form" "http://$FLOOD_SVC/api/oauth/token" >/dev/null ||
    { echo "bench: a real password grant fails on the flood instance" >&2; exit 1; }
  local hash steal_a alone flood
  hash=$(bin/bench-load hash)
  steal_a=$(cpu_ticks)
  # The real grants alone first, at the same rate, for their latency without the flood.
  alone=$(bin/bench-load flood -url "http://$FLOOD_SVC/api/oauth/token" -rate 0 \
    -real-rate "$FLOOD_REAL_RATE" -real-body "$form" -real-basic "$basic" -duration "$((FLOOD_SECS / 2))s")
  flood=$(bin/bench-load flood -url "http://$FLOOD_SVC/api/oauth/token" -sources "$FLOOD_SOURCES" -rate "$FLOOD_RATE" \
    -real-rate "$FLOOD_REAL_RATE" -real-body "$form" -real-basic "$basic" -duration "${FLOOD_SECS}s")
  flood_steal=$(stolen "$steal_a" "$(cpu_ticks)")
  kill "$flood_pid" 2>/dev/null || true
  wait "$flood_pid" 2>/dev/null || true
  echo "   alone: $alone"
  echo "   flood: $flood"
  local real flood_side real_sent real_ok statuses unexpected no_retry
  alone=$(echo "$alone" | grep -o '"real":{[^}]*}[^}]*}')
  real=$(echo "$flood" | grep -o '"real":{[^}]*}[^}]*}')
  flood_side=$(echo "$flood" | grep -o '"flood":{[^}]*}[^}]*}')
  real_sent=$(echo "$real" | field sent); real_ok=$(echo "$real" | field ok)
  statuses=$(echo "$flood_side" | grep -o '"statuses":{[^}]*}' | cut -d: -f2-)
  unexpected=$(echo "$statuses" | grep -o '"[0-9]*":' | tr -d '":' | grep -v -x -e 401 -e 429 || true)
  no_retry=$(echo "$flood_side" | field refusals_without_retry_after)
  flood_rows=$(cat <<ROWS
| flood: token requests with made-up client ids from $FLOOD_SOURCES addresses at $FLOOD_RATE req/s for ${FLOOD_SECS}s (default rate limits, production hash costs) | $(echo "$flood_side" | field answered_per_second | xargs printf %.0f) answered/s: $statuses; refusals without Retry-After: $no_retry; other statuses: ${unexpected:-none} | only 401/429, every 429 with Retry-After | $([[ -z $unexpected && $no_retry == 0 ]] && echo ok || echo MISSED) |
| … real password grants from 127.0.0.1 at $FLOOD_REAL_RATE/s meanwhile | $real_ok of $real_sent answered 200 ($(echo "$real" | grep -o '"statuses":{[^}]*}' | cut -d: -f2-)); p50 $(echo "$real" | field p50_ms) ms, p99 $(echo "$real" | field p99_ms) ms; the same grants alone just before, $((FLOOD_SECS / 2)) s: $(echo "$alone" | field ok) of $(echo "$alone" | field sent) answered 200, p50 $(echo "$alone" | field p50_ms) ms, p99 $(echo "$alone" | field p99_ms) ms (one hash check $hash ms) | all 200 | $([[ $real_ok == "$real_sent" ]] && echo ok || echo MISSED) |
ROWS
)
}

# The organisation phase: an organisation of $ORG_MEMBERS members (imported as CSV), 100 classifications
# and 200 clearances (the first with 1,000 members and every classification, the others 5
# classifications and an equal share of the members), seeded through the API; then, in rounds of their
# own, the baseline's indexed read and the organisation administrator's reads, closed loop and at one
# open-loop rate (30% of the slowest closed-loop throughput of round 1). Sets org_rows.
orgadmin_phase() {
  echo "== seeding an organisation of $ORG_MEMBERS members, 200 clearances, 100 classifications"
  local seed org group names paths i r rate="" slowest
  seed=$(bin/bench-load seed-org -url "http://$SVC" -token "$token" -admin "$admin" -members "$ORG_MEMBERS")
  echo "   $seed"
  # The seeding wrote 10,000 memberships in 20 s; PostgreSQL's autovacuum would analyse the tables within
  # a minute or so and the planner would then see their sizes. The run does it at once rather than wait.
  psql -q "$db_url" -c "VACUUM ANALYZE" >/dev/null
  org=$(echo "$seed" | grep -o '"org":"[0-9]*"' | cut -d'"' -f4)
  group=$(echo "$seed" | grep -o '"group":"[0-9]*"' | cut -d'"' -f4)
  names=("GET .../groups?limit=50 (a page of 50 clearances with their counts)" "GET .../groups/{id}/users?limit=50 (a page of the 1,000 members of one)" "GET .../statistics/users" "GET .../statistics/plans")
  paths=("/api/v1/organisations/$org/groups?limit=50" "/api/v1/organisations/$org/groups/$group/users?limit=50" "/api/v1/organisations/$org/statistics/users" "/api/v1/organisations/$org/statistics/plans")
  for i in "${!paths[@]}"; do
    curl -sf -H "$auth" "http://$SVC${paths[$i]}" >/dev/null || { echo "bench: ${paths[$i]} does not answer 200" >&2; exit 1; }
    : >"$work/org${i}_rps"; : >"$work/org${i}_p99"
  done
  : >"$work/orgbase_rps"; : >"$work/orgbase_p99"; : >"$work/orgread_rps"
  org_steal_a=$(cpu_ticks)
  for r in $(seq 1 "$ROUNDS"); do
    echo "== organisation round $r of $ROUNDS"
    rps "http://$BASE/$id" >>"$work/orgbase_rps"
    rps -H "$auth" "http://$SVC$path" >>"$work/orgread_rps"
    for i in "${!paths[@]}"; do rps -H "$auth" "http://$SVC${paths[$i]}" >>"$work/org${i}_rps"; done
    if [[ -z $rate ]]; then
      slowest=$(cat "$work/orgbase_rps" "$work"/org?_rps | sort -g | head -1)
      rate=$(awk -v m="$slowest" 'BEGIN {printf "%d", m*0.3}')
    fi
    bin/bench-load open -url "http://$BASE/$id" -rate "$rate" -duration "${SECS}s" | field p99_ms >>"$work/orgbase_p99"
    for i in "${!paths[@]}"; do
      bin/bench-load open -url "http://$SVC${paths[$i]}" -H "$auth" -rate "$rate" -duration "${SECS}s" | field ok_p99_ms >>"$work/org${i}_p99"
    done
    echo "   baseline $(tail -1 "$work/orgbase_rps") req/s, p99 $(tail -1 "$work/orgbase_p99") ms;" \
      "$(for i in "${!paths[@]}"; do printf '%s: %s req/s, p99 %s ms; ' "${paths[$i]##*/$org/}" "$(tail -1 "$work/org${i}_rps")" "$(tail -1 "$work/org${i}_p99")"; done)"
  done
  org_steal=$(stolen "$org_steal_a" "$(cpu_ticks)")
  org_rows="| baseline GET /{id}, in the organisation phase's rounds | $(median <"$work/orgbase_rps") req/s, p99 $(median <"$work/orgbase_p99") ms at $rate req/s (seeded in $(echo "$seed" | field seconds | xargs printf %.0f) s, the $ORG_MEMBERS-row import in $(echo "$seed" | field import_seconds | xargs printf %.0f) s) | — | — |
| … the service's own one-row read, GET $READ_PATH, in the same rounds | $(median <"$work/orgread_rps") req/s = $(ratio orgread_rps orgbase_rps)× baseline | — | — |"
  local rr rp
  for i in "${!paths[@]}"; do
    rr=$(ratio "org${i}_rps" orgbase_rps); rp=$(ratio "org${i}_p99" orgbase_p99)
    org_rows="$org_rows
| ${names[$i]}, $ORG_MEMBERS members | $(median <"$work/org${i}_rps") req/s = ${rr}× baseline; p99 $(median <"$work/org${i}_p99") ms = ${rp}× baseline p99 | ≥ 0.5×, p99 ≤ 2× | $([[ $(verdict "$rr" 0.5) == ok && $(verdict 2 "$rp") == ok ]] && echo ok || echo MISSED) |"
  done
}

# The activity phase: $ACTIVITY_RECORDS sign-in records over 365 days (5,000 accounts, one in ten a
# failure) bulk-inserted into the database by the load tool, with the daily counts built from them as
# migration 00014 does and checked against a count of the records; then, in rounds of their own, the
# baseline's indexed read and the sign-in dashboard for the whole year (plain and uniqueLogin), closed
# loop and at one open-loop rate (30% of the slowest closed-loop throughput of round 1). Target: ≥ 0.2×
# the baseline's rate. Sets activity_rows.
activity_phase() {
  echo "== seeding $ACTIVITY_RECORDS sign-in records over 365 days, in the database"
  local seed names paths i r rate="" slowest rr
  seed=$(bin/bench-load seed-activity -db "$db_url" -records "$ACTIVITY_RECORDS" -days 365)
  echo "   $seed"
  psql -q "$db_url" -c "VACUUM ANALYZE" >/dev/null
  names=("GET /api/v1/dashboard/users/activity?lastDays=365" "… ?lastDays=365&uniqueLogin=true")
  paths=("/api/v1/dashboard/users/activity?lastDays=365" "/api/v1/dashboard/users/activity?lastDays=365&uniqueLogin=true")
  for i in "${!paths[@]}"; do
    curl -sf -H "$auth" "http://$SVC${paths[$i]}" >/dev/null || { echo "bench: ${paths[$i]} does not answer 200" >&2; exit 1; }
    : >"$work/act${i}_rps"; : >"$work/act${i}_p99"
  done
  : >"$work/actbase_rps"; : >"$work/actbase_p99"
  act_steal_a=$(cpu_ticks)
  for r in $(seq 1 "$ROUNDS"); do
    echo "== activity round $r of $ROUNDS"
    rps "http://$BASE/$id" >>"$work/actbase_rps"
    for i in "${!paths[@]}"; do rps -H "$auth" "http://$SVC${paths[$i]}" >>"$work/act${i}_rps"; done
    if [[ -z $rate ]]; then
      slowest=$(cat "$work/actbase_rps" "$work"/act?_rps | sort -g | head -1)
      rate=$(awk -v m="$slowest" 'BEGIN {printf "%d", m*0.3}')
    fi
    bin/bench-load open -url "http://$BASE/$id" -rate "$rate" -duration "${SECS}s" | field p99_ms >>"$work/actbase_p99"
    for i in "${!paths[@]}"; do
      bin/bench-load open -url "http://$SVC${paths[$i]}" -H "$auth" -rate "$rate" -duration "${SECS}s" | field ok_p99_ms >>"$work/act${i}_p99"
    done
    echo "   baseline $(tail -1 "$work/actbase_rps") req/s, p99 $(tail -1 "$work/actbase_p99") ms;" \
      "$(for i in "${!paths[@]}"; do printf '%s: %s req/s, p99 %s ms; ' "${paths[$i]##*/activity}" "$(tail -1 "$work/act${i}_rps")" "$(tail -1 "$work/act${i}_p99")"; done)"
  done
  act_steal=$(stolen "$act_steal_a" "$(cpu_ticks)")
  activity_rows="| baseline GET /{id}, in the activity phase's rounds | $(median <"$work/actbase_rps") req/s, p99 $(median <"$work/actbase_p99") ms at $rate req/s ($ACTIVITY_RECORDS records seeded in $(echo "$seed" | field seconds | xargs printf %.0f) s) | — | — |"
  for i in "${!paths[@]}"; do
    rr=$(ratio "act${i}_rps" actbase_rps)
    activity_rows="$activity_rows
| ${names[$i]}, $ACTIVITY_RECORDS sign-ins over 365 days | $(median <"$work/act${i}_rps") req/s = ${rr}× baseline; p99 $(median <"$work/act${i}_p99") ms = $(ratio "act${i}_p99" actbase_p99)× baseline p99 | ≥ 0.2× | $(verdict "$rr" 0.2) |"
  done
}

# The hot-reads phase: GET /theme and GET /api/v1/config, public reads every web client makes on every
# page load, served from memory (the theme's and the properties' copies, at most 2 s old), against the
# service's own no-read path GET /api/v1 (authenticated, no database read) on the same server, closed loop,
# in rounds of their own, each ratio the median of the rounds' own. The theme is given a few values first.
# Target: each ≥ 0.9× the no-read path. Sets hot_rows.
hot_phase() {
  local name value r rt rc
  echo "== hot reads: GET /theme and GET /api/v1/config against GET /api/v1"
  for name in companyName supportLink legalUrl privacyUrl copyright; do
    case $name in
      companyName) value="Bench Ltd" ;; copyright) value="© 2026 Bench Ltd" ;; *) value="https://bench.example/$name" ;;
    esac
    curl -sf -X PUT -H "$auth" -H "Content-Type: text/plain" --data-binary "$value" "http://$SVC/api/v1/config/theme/$name" >/dev/null ||
      { echo "bench: setting the theme's $name failed" >&2; exit 1; }
  done
  for p in /theme /api/v1/config; do
    curl -sf "http://$SVC$p" >/dev/null || { echo "bench: $p does not answer 200" >&2; exit 1; }
  done
  : >"$work/hot_noread_rps"; : >"$work/hot_theme_rps"; : >"$work/hot_config_rps"
  hot_steal_a=$(cpu_ticks)
  for r in $(seq 1 "$ROUNDS"); do
    echo "== hot-reads round $r of $ROUNDS"
    rps -H "$auth" "http://$SVC/api/v1" >>"$work/hot_noread_rps"
    rps "http://$SVC/theme" >>"$work/hot_theme_rps"
    rps "http://$SVC/api/v1/config" >>"$work/hot_config_rps"
    echo "   no-read $(tail -1 "$work/hot_noread_rps") req/s, /theme $(tail -1 "$work/hot_theme_rps") req/s, /api/v1/config $(tail -1 "$work/hot_config_rps") req/s"
  done
  hot_steal=$(stolen "$hot_steal_a" "$(cpu_ticks)")
  rt=$(ratio hot_theme_rps hot_noread_rps); rc=$(ratio hot_config_rps hot_noread_rps)
  hot_rows="| GET /api/v1 (the no-read path), in the hot-reads phase's rounds | $(median <"$work/hot_noread_rps") req/s | — | — |
| GET /theme (public, from memory) | $(median <"$work/hot_theme_rps") req/s = ${rt}× the no-read path | ≥ 0.9× | $(verdict "$rt" 0.9) |
| GET /api/v1/config (public, from memory) | $(median <"$work/hot_config_rps") req/s = ${rc}× the no-read path | ≥ 0.9× | $(verdict "$rc" 0.9) |"
}

# The MFA phase: BENCH_MFA_USERS accounts with the administrator's password and one authenticator key,
# made in the database (no API makes accounts with passwords); each signs in with the password grant (a
# restrictive token; these first steps cost a hash each and are timed apart), then all the second steps
# (the mfa grant with the current code; a code works once per account) are timed, closed loop over
# 4 connections a core. Target: the second step's rate ≥ 5 × the password grant's of the same run
# (pw_rps). Sets mfa_rows.
mfa_phase() {
  local key=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP mfa rate target
  echo "== MFA: $MFA_USERS accounts sign in in two steps; the second steps timed on their own"
  psql -q "$db_url" -c "INSERT INTO users (id, email, password_hash, mfa_enabled, created_at, updated_at)
      SELECT 8000000000000 + g, 'mfa-bench-' || g || '@example.com', (SELECT password_hash FROM users WHERE email = '$admin'), TRUE, now(), now()
      FROM generate_series(1, $MFA_USERS) g" \
    -c "INSERT INTO mfa_authenticators (user_id, totp_key, last_step, paired_at)
      SELECT 8000000000000 + g, '$key', 0, now() FROM generate_series(1, $MFA_USERS) g" >/dev/null
  mfa=$(bin/bench-load mfa -url "http://$SVC" -basic "$basic" -users "$MFA_USERS" -password "$admin_pw" -key "$key" -first-c $((CORES * 2)) -c $((CORES * 4)))
  echo "   $mfa"
  rate=$(echo "$mfa" | field mfa_grants_per_second | xargs printf %.0f)
  target=$(awk -v p="$pw_rps" 'BEGIN {printf "%.0f", 5*p}')
  mfa_rows="| mfa grant (the second step), closed loop ($((CORES * 4)) connections), $MFA_USERS accounts | $rate grants/s = $(awk -v a="$rate" -v p="$pw_rps" 'BEGIN {printf "%.1f", a/p}') × the password grant's $pw_rps/s; p50 $(echo "$mfa" | field p50_ms) ms, p99 $(echo "$mfa" | field p99_ms) ms; answers $(echo "$mfa" | grep -o '"statuses":{[^}]*}' | cut -d: -f2-); the first steps (password grants of the same accounts) $(echo "$mfa" | field first_steps_per_second | xargs printf %.0f)/s | ≥ 5 × password grant = $target/s, all 200 | $([[ $(verdict "$rate" "$target") == ok && $(echo "$mfa" | grep -o '"statuses":{[^}]*}') == '"statuses":{"200":'$MFA_USERS'}' ]] && echo ok || echo MISSED) |"
}

# only_report ends a BENCH_ONLY run: its report (a table of rows under the heading of the "measured"
# column, then a note if given) on the terminal and in bin/bench-results.md, labelled; then exit.
only_report() { # label, measured-column heading, rows, [note]
  local report
  report=$(printf '| path | %s | target | verdict |\n| --- | --- | --- | --- |\n%s' "$2" "$3")
  [[ -z ${4:-} ]] || report=$(printf '%s\n\n%s' "$report" "$4")
  echo
  echo "$report"
  mkdir -p bin
  { echo "make bench (BENCH_ONLY=$1), $(date -u +%FT%TZ), $CORES cores"; echo; echo "$report"; } >bin/bench-results.md
  echo
  echo "(also written to bin/bench-results.md)"
  exit 0
}

if [[ $ONLY == flood ]]; then
  flood_phase
  only_report "flood, $FLOOD_BIN" "measured" \
    "$flood_rows" \
    "CPU time taken by the hypervisor for other guests (steal) during the flood: $flood_steal%."
fi

ACCESS_DATABASE_URL=$db_url ACCESS_HTTP_ADDR=$SVC \
  ACCESS_BOOTSTRAP_ADMIN_EMAIL=$admin ACCESS_BOOTSTRAP_ADMIN_PASSWORD=$admin_pw \
  ACCESS_BOOTSTRAP_CLIENT_ID=$client ACCESS_BOOTSTRAP_CLIENT_SECRET=$client_secret \
  ACCESS_TOKEN_RATE_PER_CLIENT=1000000 ACCESS_TOKEN_RATE_PER_ADDRESS=1000000 \
  bin/access-service serve 2>"$work/service.log" &
svc_pid=$!
pids+=("$svc_pid")
for _ in $(seq 1 100); do curl -sf "http://$SVC/readyz" >/dev/null && break; sleep 0.1; done
curl -sf "http://$SVC/readyz" >/dev/null || { tail -20 "$work/service.log"; echo "bench: the service did not start" >&2; exit 1; }

bench_fixtures
bin/bench-baseline -addr "$BASE" -db "$db_url" -table "$TABLE" -static "$work/directory.json" 2>"$work/baseline.log" &
pids+=("$!")
for _ in $(seq 1 50); do curl -sf "http://$BASE/$id" >/dev/null && break; sleep 0.1; done
curl -sf "http://$BASE/$id" >/dev/null || { echo "bench: the baseline did not start" >&2; exit 1; }
curl -sf -H "Authorization: Bearer $token" "http://$SVC$path" >/dev/null || { echo "bench: $path does not answer 200" >&2; exit 1; }

auth="Authorization: Bearer $token"
rps() { # wrk's requests/s of 2xx answers: args as for wrk
  local out total non2xx secs
  out=$(wrk -t2 -c"$CONNS" -d"${SECS}s" "$@")
  total=$(echo "$out" | awk '/requests in/ {print $1}')
  secs=$(echo "$out" | awk '/requests in/ {gsub(/s,?/, "", $4); print $4}')
  non2xx=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
  awk -v t="$total" -v n="${non2xx:-0}" -v s="$secs" 'BEGIN {printf "%.0f\n", (t-n)/s}'
}
median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
# Each ratio is the median of the rounds' own ratios: the service and the baseline are measured one
# right after the other within a round, while this machine's speed drifts between rounds.
ratio() { paste "$work/$1" "$work/$2" | awk '{printf "%.4f\n", $1/$2}' | median | awk '{printf "%.2f", $1}'; }

if [[ $ONLY == activity ]]; then
  wrk -t2 -c"$CONNS" -d2s "http://$BASE/$id" >/dev/null
  activity_phase
  only_report "activity" "measured (medians of $ROUNDS rounds; each ratio the median of the rounds' own)" \
    "$activity_rows" \
    "CPU time taken by the hypervisor for other guests (steal) during the activity phase: $act_steal%."
fi
if [[ $ONLY == hot ]]; then
  wrk -t2 -c"$CONNS" -d2s -H "$auth" "http://$SVC/api/v1" >/dev/null
  hot_phase
  only_report "hot" "measured (medians of $ROUNDS rounds; each ratio the median of the rounds' own)" \
    "$hot_rows" \
    "CPU time taken by the hypervisor for other guests (steal) during the hot-reads phase: $hot_steal%."
fi

if [[ $ONLY == orgadmin ]]; then
  wrk -t2 -c"$CONNS" -d2s "http://$BASE/$id" >/dev/null
  orgadmin_phase
  only_report "orgadmin" "measured (medians of $ROUNDS rounds; each ratio the median of the rounds' own)" \
    "$org_rows" \
    "CPU time taken by the hypervisor for other guests (steal) during the organisation phase: $org_steal%."
fi

steal_start=$(cpu_ticks)
echo "== warming up"
wrk -t2 -c"$CONNS" -d2s "http://$BASE/$id" >/dev/null
wrk -t2 -c"$CONNS" -d2s -H "$auth" "http://$SVC$path" >/dev/null

: >"$work/base_rps" ; : >"$work/read_rps" ; : >"$work/noread_rps" ; : >"$work/static_rps" ; : >"$work/base_p99" ; : >"$work/read_p99"
open_rate=${BENCH_OPEN_RATE:-}
for r in $(seq 1 "$ROUNDS"); do
  echo "== round $r of $ROUNDS"
  rps "http://$BASE/$id" >>"$work/base_rps"
  rps -H "$auth" "http://$SVC$path" >>"$work/read_rps"
  rps -H "$auth" "http://$SVC/api/v1" >>"$work/noread_rps"
  rps "http://$BASE/static/" >>"$work/static_rps"
  # The latency runs' rate: 30% of the slower of the two closed-loop throughputs, a load both serve
  # without queueing, so the p99s compare the work per request rather than who saturates first.
  [[ -n $open_rate ]] || open_rate=$(paste "$work/base_rps" "$work/read_rps" | awk '{m = ($1 < $2) ? $1 : $2; printf "%d", m*0.3}')
  bin/bench-load open -url "http://$BASE/$id" -rate "$open_rate" -duration "${SECS}s" | field p99_ms >>"$work/base_p99"
  bin/bench-load open -url "http://$SVC$path" -H "$auth" -rate "$open_rate" -duration "${SECS}s" | field ok_p99_ms >>"$work/read_p99"
  echo "   baseline $(tail -1 "$work/base_rps") req/s, read $(tail -1 "$work/read_rps") req/s, no-read $(tail -1 "$work/noread_rps") req/s," \
    "bare server with the no-read answer $(tail -1 "$work/static_rps") req/s;" \
    "p99 at $open_rate req/s: baseline $(tail -1 "$work/base_p99") ms, read $(tail -1 "$work/read_p99") ms"
done
base_rps=$(median <"$work/base_rps"); read_rps=$(median <"$work/read_rps"); noread_rps=$(median <"$work/noread_rps")
static_rps=$(median <"$work/static_rps")
base_p99=$(median <"$work/base_p99"); read_p99=$(median <"$work/read_p99")

reads_end=$(cpu_ticks)
[[ $ONLY == mfa ]] || orgadmin_phase
[[ $ONLY == mfa ]] || activity_phase
[[ $ONLY == mfa ]] || hot_phase

# This machine's speed drifts from minute to minute, so one hash check is timed just before and just
# after the closed-loop grants, and the mean of the two medians is the yardstick.
steal_reads=$(cpu_ticks)
echo "== one password-hash check (production costs), then the password grant, closed loop"
hash_before=$(bin/bench-load hash)
hash_par_before=$(bin/bench-load hash -parallel "$CORES")
pw_rps=$(BENCH_FORM=$form BENCH_BASIC=$basic CONNS=$((CORES * 2)) SECS=10 bash -c "$(declare -f rps); rps -s bench/password.lua http://$SVC/api/oauth/token")
hash_after=$(bin/bench-load hash)
hash_par_after=$(bin/bench-load hash -parallel "$CORES")
hash_ms=$(awk -v a="$hash_before" -v b="$hash_after" 'BEGIN {printf "%.2f", (a+b)/2}')
capacity=$(awk -v c="$CORES" -v h="$hash_ms" 'BEGIN {printf "%.1f", c*1000/h}')
# What the machine itself gives: $CORES checks at once, timed the same way. Where cores share caches or
# memory bandwidth, each is slower than a check alone, and no server can grant faster than this.
hash_par_ms=$(awk -v a="$hash_par_before" -v b="$hash_par_after" 'BEGIN {printf "%.2f", (a+b)/2}')
ceiling=$(awk -v h="$hash_par_ms" 'BEGIN {printf "%.1f", 1000/h}')
echo "   one check: $hash_before ms before, $hash_after ms after, $hash_ms ms on average; $CORES cores: at most $capacity checks/s"
echo "   $CORES checks at once: $hash_par_before and $hash_par_after ms per check: the machine's ceiling, $ceiling checks/s"
echo "   $pw_rps grants/s"
if [[ $ONLY == mfa ]]; then
  mfa_phase
  only_report "mfa" "measured" \
    "| password grant, closed loop ($((CORES * 2)) connections) | $pw_rps grants/s (one hash check $hash_ms ms) | — | — |
$mfa_rows"
fi
mfa_phase

steal_grants=$(cpu_ticks)
echo "== password grant at twice its capacity for ${OVERLOAD_SECS}s, open loop"
rss_before=$(bin/bench-load rss -pid "$svc_pid")
( while kill -0 "$svc_pid" 2>/dev/null; do bin/bench-load rss -pid "$svc_pid"; sleep 0.5; done ) >"$work/rss" &
sampler=$!
overload_rate=$(awk -v r="$pw_rps" 'BEGIN {printf "%d", 2*r}')
# Meanwhile, the rest of the API: the no-read path at a modest rate, to see that a sign-in flood does not
# make other requests wait (the hashes are capped at one per core; the server keeps one more P).
bin/bench-load open -url "http://$SVC/api/v1" -H "$auth" -rate 200 -duration "${OVERLOAD_SECS}s" >"$work/side.json" &
side_pid=$!
overload=$(bin/bench-load open -url "http://$SVC/api/oauth/token" -method POST -body "$form" \
  -H "Content-Type: application/x-www-form-urlencoded" -H "Authorization: Basic $basic" \
  -rate "$overload_rate" -duration "${OVERLOAD_SECS}s")
kill "$sampler" 2>/dev/null || true
steal_end=$(cpu_ticks)
wait "$side_pid" || true
side=$(cat "$work/side.json")
rss_max=$(sort -n "$work/rss" | tail -1)
hash_end=$(bin/bench-load hash)
overload_hash=$(awk -v a="$hash_after" -v b="$hash_end" 'BEGIN {printf "%.2f", (a+b)/2}')
echo "   $overload"

statuses=$(echo "$overload" | grep -o '"statuses":{[^}]*}')
unexpected=$(echo "$statuses" | grep -o '"[0-9]*":' | tr -d '":' | grep -v -x -e 200 -e 429 -e 503 || true)
no_retry=$(echo "$overload" | field refusals_without_retry_after)
ok_p99=$(echo "$overload" | field ok_p99_ms)

# The first instance is done: the flood phase runs its own, with the default limits.
kill "$svc_pid" 2>/dev/null || true
wait "$svc_pid" 2>/dev/null || true
flood_phase

r_read=$(ratio read_rps base_rps)
r_p99=$(ratio read_p99 base_p99)
r_noread=$(ratio noread_rps base_rps)
r_static=$(ratio static_rps base_rps)
r_of_static=$(ratio noread_rps static_rps)
answer_bytes=$(wc -c <"$work/directory.json")
pw_target=$(awk -v c="$capacity" 'BEGIN {printf "%.1f", 0.85*c}')
p99_limit=$(awk -v h="$overload_hash" 'BEGIN {printf "%.1f", 5*h}')
steal_note="CPU time taken by the hypervisor for other guests (steal): $(stolen "$steal_start" "$reads_end")% during the reads, $(stolen "$steal_reads" "$steal_grants")% during the grants, $(stolen "$steal_grants" "$steal_end")% during the overload"
steal_note="$steal_note, $flood_steal% during the flood, $org_steal% during the organisation phase, $act_steal% during the activity phase, $hot_steal% during the hot reads"
if awk -v a="$(stolen "$steal_start" "$steal_end")" -v f="$flood_steal" 'BEGIN {exit !(a >= 5 || f >= 5)}'; then
  steal_note="$steal_note. **Above 5%: this machine was not the run's own, and its ratios say little.**"
fi
report=$(cat <<REPORT
| path | measured (medians of $ROUNDS rounds; each ratio the median of the rounds' own) | target | verdict |
| --- | --- | --- | --- |
| baseline GET /{id} (net/http + pgx) | $base_rps req/s, p99 $base_p99 ms at $open_rate req/s | — | — |
| GET $READ_PATH | $read_rps req/s = ${r_read}× baseline | ≥ 0.80× | $(verdict "$r_read" 0.80) |
| GET $READ_PATH, open loop at $open_rate req/s | p99 $read_p99 ms = ${r_p99}× baseline p99 | ≤ 1.5× | $(verdict 1.5 "$r_p99") |
| GET /api/v1 (no database read) | $noread_rps req/s = ${r_noread}× baseline | ≥ 2.5× | $(verdict "$r_noread" 2.5) |
| … a bare net/http server sending the same $answer_bytes bytes (its ceiling) | $static_rps req/s = ${r_static}× baseline; the service reaches ${r_of_static}× of it | — | — |
$org_rows
$activity_rows
$hot_rows
| password grant, closed loop ($((CORES * 2)) connections) | $pw_rps grants/s (one hash check $hash_ms ms, $CORES cores) | ≥ 0.85 × $CORES ÷ hash = $pw_target/s | $(verdict "$pw_rps" "$pw_target") |
$mfa_rows
| … $CORES hash checks at once, no server (the machine's ceiling) | $ceiling checks/s = $(awk -v a="$ceiling" -v b="$capacity" 'BEGIN {printf "%.2f", a/b}') × $CORES ÷ hash; the grants reach $(awk -v a="$pw_rps" -v b="$ceiling" 'BEGIN {printf "%.2f", a/b}') of it | — | — |
| password grant at $overload_rate req/s for ${OVERLOAD_SECS}s | answers $statuses; refusals without Retry-After: $no_retry; other statuses: ${unexpected:-none} | only 200/429/503, all refusals with Retry-After | $([[ -z $unexpected && $no_retry == 0 ]] && echo ok || echo MISSED) |
| … accepted requests' p99 | $ok_p99 ms (one hash check $overload_hash ms: before and after the overload); the load tool's own lag behind its schedule, p99 $(echo "$overload" | field lag_p99_ms) ms | ≤ 5 × hash = $p99_limit ms | $(verdict "$p99_limit" "$ok_p99") |
| … meanwhile GET /api/v1 at 200 req/s | p99 $(echo "$side" | field ok_p99_ms) ms, answers $(echo "$side" | grep -o '"statuses":{[^}]*}' | cut -d: -f2-) | — | — |
| … service memory (RSS) | $((rss_before / 1024)) MiB before, $((rss_max / 1024)) MiB at most | bounded | — |
$flood_rows

$steal_note
REPORT
)
echo
echo "$report"
mkdir -p bin
{ echo "make bench, $(date -u +%FT%TZ), $CORES cores"; echo; echo "$report"; } >bin/bench-results.md
echo
echo "(also written to bin/bench-results.md)"
