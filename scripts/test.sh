#!/usr/bin/env bash
# The whole test suite, as CI runs it: make sure PostgreSQL is reachable (start it if it is installed
# but not running), check the generated code, vet, run every test with the race detector, the spec
# fuzzer's fixed seeds, the PostgreSQL-restart fault test on a private cluster (scripts/fault-restart.sh), then the
# spec's gates and the clients and explorer against a live service (scripts/api-gates.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/ensure-postgres.sh
export ACCESS_TEST_DATABASE_URL="${ACCESS_TEST_DATABASE_URL:-$(cat .postgres-url 2>/dev/null || echo 'postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable')}"

echo "== generated code is current"
make -s check-generated
echo "== the Go client (clients/go, a module of its own, which the main module's ./... does not reach): vet and its tests"
(cd clients/go && go vet ./... && go test -count=1 ./...)
echo "== go vet"
go vet ./...
echo "== go test -race ./..."
# The tests mostly wait on PostgreSQL, so more of them run at once than go test's default (GOMAXPROCS);
# past 8 the suite is no faster on 2 cores, and 8 services at a time stay far below max_connections.
go test -race -count=1 -timeout 20m -parallel "${TEST_PARALLEL:-8}" ./...
echo "== spec fuzzer: every fixed seed (internal/fuzz fixedSeeds), without the race detector"
ACCESS_FUZZ_SEEDS=fixed go test -count=1 -run '^TestSpecFuzz$' ./internal/fuzz/
echo "== fault test: a real PostgreSQL restarted mid-load (private throw-away cluster)"
./scripts/fault-restart.sh
echo "== spec gates, TypeScript client, API explorer"
./scripts/api-gates.sh
