#!/usr/bin/env bash
# Vendors Swagger UI for the API explorer at /docs: copies the files the page needs from the pinned
# swagger-ui-dist (package.json, installed by `npm ci`) into internal/explorer/static/swagger-ui/,
# where the binary embeds them. With --check, changes nothing and fails if the vendored copy is not
# exactly the pinned package's files (CI runs that).
set -euo pipefail
cd "$(dirname "$0")/.."

src=node_modules/swagger-ui-dist
dst=internal/explorer/static/swagger-ui
[[ -f $src/package.json ]] || { echo "vendor-swagger-ui: $src is missing: run 'npm ci' first" >&2; exit 1; }
version=$(node -p "require('./$src/package.json').version")

# name in the package -> name in the repo
files=(
  "swagger-ui-bundle.js:swagger-ui-bundle.js"
  "swagger-ui-bundle.js.LICENSE.txt:swagger-ui-bundle.js.LICENSE.txt"
  "swagger-ui.css:swagger-ui.css"
  "favicon-32x32.png:favicon-32x32.png"
  "favicon-16x16.png:favicon-16x16.png"
  "LICENSE:LICENSE.txt"
  "NOTICE:NOTICE.txt"
)

if [[ ${1:-} == --check ]]; then
  stale=0
  for f in "${files[@]}"; do
    cmp -s "$src/${f%%:*}" "$dst/${f##*:}" || { echo "vendor-swagger-ui: $dst/${f##*:} is not swagger-ui-dist $version's ${f%%:*}"; stale=1; }
  done
  [[ "$(cat "$dst/VERSION" 2>/dev/null)" == "$version" ]] || { echo "vendor-swagger-ui: $dst/VERSION is not $version"; stale=1; }
  extra=$(cd "$dst" && ls | grep -vxF -e VERSION $(for f in "${files[@]}"; do printf -- '-e %s ' "${f##*:}"; done) || true)
  [[ -z $extra ]] || { echo "vendor-swagger-ui: files in $dst that are not vendored: $extra"; stale=1; }
  if [[ $stale == 1 ]]; then echo "run scripts/vendor-swagger-ui.sh and commit the result" >&2; exit 1; fi
  echo "vendor-swagger-ui: $dst is swagger-ui-dist $version"
  exit 0
fi

rm -rf "$dst"
mkdir -p "$dst"
for f in "${files[@]}"; do cp "$src/${f%%:*}" "$dst/${f##*:}"; done
echo "$version" > "$dst/VERSION"
echo "vendor-swagger-ui: copied swagger-ui-dist $version into $dst"
