#!/usr/bin/env bash
# The spec as a product, checked: the spec's lint and breaking-change gates, the vendored Swagger UI,
# the TypeScript client (generated, type-checked, and called against a live service), and the API
# explorer in headless Chromium. Installs what it needs (npm ci, Debian's chromium) or says what is
# missing. `make gates` runs it; `make test` runs it after the Go suite.
set -euo pipefail
cd "$(dirname "$0")/.."
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true

./scripts/ensure-node-tools.sh
./scripts/ensure-chromium.sh

echo "== OpenID Connect in Chromium: a Go relying party (golang.org/x/oauth2, go-oidc) signs a person in through the service (PostgreSQL: ACCESS_TEST_DATABASE_URL)"
timeout 300 go test -count=1 -tags browser -run TestOIDCInChromium ./internal/oidc/

echo "== spec lint (Redocly, api/redocly.yaml)"
node_modules/.bin/redocly lint --config api/redocly.yaml --format stylish openapi.yaml ||
  { echo "the spec breaks our lint rules: see the errors above and api/README.md" >&2; exit 1; }

echo "== breaking changes (oasdiff)"
./scripts/check-breaking.sh ||
  { echo "openapi.yaml breaks the last release's contract: see above and api/README.md" >&2; exit 1; }

echo "== vendored Swagger UI"
./scripts/vendor-swagger-ui.sh --check

echo "== TypeScript client: its committed types are current with openapi.yaml, the package and its tests type-check"
node_modules/.bin/openapi-typescript openapi.yaml --output clients/typescript/src/schema.gen.ts --silent
git diff --exit-code --stat -- clients/typescript/src/schema.gen.ts &&
  test -z "$(git status --porcelain -- clients/typescript/src/schema.gen.ts)" ||
  { echo "clients/typescript/src/schema.gen.ts is stale: run 'npm run generate:ts' and commit the result" >&2; exit 1; }
rm -rf clients/typescript/dist clients/typescript/build
node_modules/.bin/tsc -p clients/typescript
node_modules/.bin/tsc -p clients/typescript/tsconfig.test.json

echo "== gates' self-test, TypeScript client (from the sources, and packed, installed and used in Node.js and Chromium), API explorer, sign-in page languages and the account page (Chromium) against a live service"
# Bounded: a browser that hangs fails the run in minutes instead of holding CI.
OASDIFF="$PWD/bin/oasdiff" timeout 600 ./scripts/with-live-service.sh node --test --test-timeout=180000 \
  api/lint/gates.test.mjs clients/typescript/build/test/client.test.js clients/typescript/test/package.test.mjs \
  tests/browser/explorer.test.mjs tests/browser/i18n.test.mjs tests/browser/account.test.mjs

echo "== MFA sign-in (Chromium) against a live service of its own (it turns the administrator's MFA on)"
timeout 300 ./scripts/with-live-service.sh node --test --test-timeout=120000 tests/browser/mfa.test.mjs

echo "== every page without JavaScript: axe-core (WCAG 2.1 A and AA) and screenshots at 1280x800 and 375x812 (Chromium), against a live service of its own (it turns the administrator's MFA on; the emailed links come to the test's SMTP server)"
smtp_port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
ACCESS_SMTP_URL="smtp://127.0.0.1:$smtp_port" timeout 300 ./scripts/with-live-service.sh node --test --test-timeout=180000 tests/browser/pages.test.mjs
