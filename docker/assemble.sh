#!/bin/sh
# Assembles one service of the workspace for a production image, to run with plain Node (its built-in
# TypeScript type stripping; no tsx). Used by docker/service.Dockerfile's build stage and by
# deploy-checks/src/image-recipe.int.test.ts, so the test runs the image's very recipe.
#
#   sh docker/assemble.sh <service-dir> <out-dir> [extra pnpm install flags]
#   sh docker/assemble.sh services/mcp-network /out --store-dir /pnpm/store
#
# Run at the workspace root. It installs the production dependencies of <service-dir> and of the
# workspace packages it depends on (frozen lockfile), then copies into <out-dir>: the root
# package.json and node_modules (pnpm's virtual store), those workspace package folders (with their
# node_modules links, which are relative) and policies/ (the Wasm build for AUTHZ_MODE=wasm).
# Tests are left out. Workspace packages keep their place in the tree, outside any node_modules
# folder: Node strips types only from files that are not under node_modules, which is why
# `pnpm deploy` (it copies workspace packages into node_modules) cannot be used here.
set -eu

if [ "$#" -lt 2 ]; then
  echo "usage: assemble.sh <service-dir> <out-dir> [pnpm install flags]" >&2
  exit 64
fi
service=${1%/}
out=$2
shift 2
if [ ! -f "$service/package.json" ]; then
  echo "assemble: $service/package.json not found (run at the workspace root)" >&2
  exit 66
fi
if [ -e "$out" ]; then
  echo "assemble: $out exists; give a new folder" >&2
  exit 73
fi

pnpm install --frozen-lockfile --prod --filter-prod "{$service}..." "$@"

root=$(pwd -P)
dirs=$(pnpm --filter-prod "{$service}..." list --depth -1 --json | node -e '
  const root = process.argv[1];
  const projects = JSON.parse(require("node:fs").readFileSync(0, "utf8"));
  for (const p of projects) {
    if (!p.path.startsWith(root + "/")) throw new Error(`workspace package outside the root: ${p.path}`);
    console.log(p.path.slice(root.length + 1));
  }' "$root")

mkdir -p "$out"
cp -a package.json node_modules "$out/"
for dir in $dirs policies; do
  [ -e "$out/$dir" ] && continue # policies/ is also a workspace dependency of mcp-common
  mkdir -p "$out/$(dirname "$dir")"
  cp -a "$dir" "$out/$dir"
done
# Tests and test-only folders are not part of an image.
find "$out" -path "$out/node_modules" -prune -o -path '*/node_modules' -prune -o \
  \( -name '*.test.ts' -o -name '*_test.rego' \) -type f -print | xargs -r rm -f
for dir in $dirs; do
  rm -rf "$out/$dir/test" "$out/$dir/bench"
done
