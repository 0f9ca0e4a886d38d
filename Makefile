# Every target is one step a developer or CI runs; `make test` is the whole suite.
GO ?= go
# tests that run at once in a package (go test -parallel; scripts/test.sh uses the same default)
TEST_PARALLEL ?= 8

.PHONY: run build generate check-generated lint vet test test-go gates lint-spec check-breaking screenshot bench bench-instructions fuzz

## run: serve on the embedded store (./data/access-service.db) at http://127.0.0.1:8080
run:
	$(GO) run ./cmd/access-service serve

## build: the binary, in ./bin
build:
	$(GO) build -o bin/access-service ./cmd/access-service

## generate: regenerate gen/ and the Go client (clients/go, a module of its own) from openapi.yaml
generate:
	cd gen && $(GO) generate ./...
	cd clients/go && $(GO) generate ./...

## check-generated: fail if gen/ or clients/go does not match openapi.yaml
check-generated: generate
	@git diff --exit-code --stat -- gen/ clients/go/ || { echo "gen/ or clients/go is stale: run 'make generate' and commit the result"; exit 1; }
	@test -z "$$(git status --porcelain -- gen/ clients/go/)" || { git status --porcelain -- gen/ clients/go/; echo "gen/ or clients/go has files git does not know: run 'make generate' and commit the result"; exit 1; }

## vet: go vet
vet:
	$(GO) vet ./...

## lint: the spec is valid OpenAPI and follows our rules; the Go code vets clean
lint: vet
	$(GO) test -count=1 -run 'TestSpec' ./gen/...

## test: everything CI runs: PostgreSQL up, generated code current, vet, the whole suite with -race
test:
	./scripts/test.sh

## gates: the spec's gates and the clients and explorer against a live service (lint, breaking changes,
## vendored Swagger UI, TypeScript client, Chromium); installs its npm tools and Chromium when missing
gates:
	./scripts/api-gates.sh

## lint-spec: only the spec's lint (Redocly with api/redocly.yaml)
lint-spec:
	@./scripts/ensure-node-tools.sh
	REDOCLY_TELEMETRY=off node_modules/.bin/redocly lint --config api/redocly.yaml --format stylish openapi.yaml

## check-breaking: only the breaking-change check against the last release in api/releases/
check-breaking:
	./scripts/check-breaking.sh

## screenshot: a PNG of the API explorer (/docs) after a signed-in "Try it out", against a live service
SCREENSHOT ?= explorer.png
screenshot:
	@./scripts/ensure-node-tools.sh && ./scripts/ensure-chromium.sh
	./scripts/with-live-service.sh node tests/browser/screenshot.mjs $(SCREENSHOT)

## test-go: only the Go tests (PostgreSQL must already be reachable)
test-go:
	$(GO) test -race -count=1 -parallel $(TEST_PARALLEL) ./...

## bench: the service against a minimal baseline server, same machine, same run (bench/README.md);
## not part of `make test`
bench:
	./bench/run.sh

## bench-instructions: the CPU instructions per request of the service and the baseline, counted by
## valgrind (steady where req/s drift; bench/README.md); not part of `make test`
bench-instructions:
	./bench/instructions.sh

## fuzz: the spec fuzzer with fresh seeds for FUZZ_BUDGET seconds (default 300); prints each failing seed
## and how to replay it; not part of `make test`, which runs the fixed seeds
fuzz:
	./scripts/fuzz.sh
