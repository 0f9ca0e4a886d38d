#!/usr/bin/env bash
# make fuzz: the spec fuzzer (internal/fuzz, TestSpecFuzz) with fresh seeds, one after another, for as
# long as FUZZ_BUDGET seconds allow (default 300), against a real PostgreSQL (started as for make test).
# Every failing seed is printed with the command that replays it; fix what it found, then add the seed
# to fixedSeeds in internal/fuzz/spec_fuzz_test.go so `make test` keeps checking it. Exits 1 if any seed
# failed. Loopback only; it stops by itself.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/ensure-postgres.sh
export ACCESS_TEST_DATABASE_URL="${ACCESS_TEST_DATABASE_URL:-$(cat .postgres-url 2>/dev/null || echo 'postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable')}"
budget=${FUZZ_BUDGET:-300}

mkdir -p bin
go test -c -o bin/fuzz.test ./internal/fuzz/
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

end=$((SECONDS + budget))
runs=0
failed=()
while ((SECONDS < end)); do
  # A fresh 63-bit seed from the kernel's random source.
  seed=$(od -An -N8 -tu8 /dev/urandom | tr -d ' ')
  seed=$((seed & 0x7fffffffffffffff))
  runs=$((runs + 1))
  if (cd internal/fuzz && ACCESS_FUZZ_SEEDS=$seed ../../bin/fuzz.test -test.run '^TestSpecFuzz$' -test.count=1 >"$logs/$seed.log" 2>&1); then
    echo "seed $seed: ok"
  else
    failed+=("$seed")
    echo "seed $seed: FAILED"
    grep -E '^\s+spec_fuzz_test.go:[0-9]+: ' "$logs/$seed.log" | grep -v ' 2[0-9][0-9]:[0-9]' | head -20 || true
  fi
done

echo "== $runs seeds in ${budget}s; ${#failed[@]} failed"
for seed in "${failed[@]}"; do
  echo "replay: ACCESS_FUZZ_SEEDS=$seed go test -count=1 -run TestSpecFuzz ./internal/fuzz/"
done
((${#failed[@]} == 0))
