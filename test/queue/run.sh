#!/usr/bin/env bash
# `npm run test:queue`: the queue-mode end-to-end test (see test/queue/README.md).
#
#   1. installs Debian redis-server / postgresql when missing (services.sh ensure);
#   2. stops leftovers of earlier runs that were killed outright (services.sh reap);
#   3. makes a run folder, starts Redis + PostgreSQL in it on 127.0.0.1, free ports;
#   4. packs this package (dist/ must be built: npm run test:queue builds first);
#   5. runs queue-e2e.js (n8n main + workers, the fake API, the checks), bounded by
#      JFI_QUEUE_TIMEOUT_S (default 900 s) plus a grace period;
#   6. always (pass, fail, Ctrl-C, timeout): stops every n8n process it started, Redis and
#      PostgreSQL, and deletes the run folder (kept with JFI_E2E_KEEP=1).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/test/queue"
SERVICES="$HERE/services.sh"
TIMEOUT_S="${JFI_QUEUE_TIMEOUT_S:-900}"

log() { echo "queue-e2e: $*" >&2; }

[ -f "$ROOT/dist/nodes/JustFlowIt/JustFlowIt.node.js" ] || { log "dist/ is not built: run npm run build (npm run test:queue does)"; exit 2; }

bash "$SERVICES" ensure
bash "$SERVICES" reap
# n8n itself (cached outside the repo; a no-op taking ~0.1 s when installed, minutes when cold).
bash "$ROOT/test/e2e/install-n8n.sh" >/dev/null

RUN_DIR="$(mktemp -d "${TMPDIR:-/tmp}/jfi-queue-XXXXXX")"
export SERVICES_OWNER_PID=$$
echo $$ >"$RUN_DIR/owner.pid"   # lets a later run's reap clean up if this shell is killed outright

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "${child:-}" ] && kill -0 "$child" 2>/dev/null; then
    kill -TERM "$child" 2>/dev/null || true
    wait "$child" 2>/dev/null || true
  fi
  # n8n processes first (they hold connections to Redis and PostgreSQL). queue-e2e.js stops
  # them itself; this is for when it was killed or timed out (n8n CLI commands included).
  bash "$SERVICES" kill-procs "$RUN_DIR" || true
  bash "$SERVICES" stop "$RUN_DIR" || true
  if [ "${JFI_E2E_KEEP:-}" = 1 ]; then
    log "kept $RUN_DIR (JFI_E2E_KEEP=1)"
  else
    rm -rf "$RUN_DIR"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT
trap 'log "terminated"; exit 143' TERM

bash "$SERVICES" start "$RUN_DIR"

# The package as users get it: the npm pack tarball (only the `files` list).
TARBALL="$(cd "$ROOT" && npm pack --ignore-scripts --silent --pack-destination "$RUN_DIR" | tail -n 1)"
TARBALL="$RUN_DIR/$TARBALL"
[ -f "$TARBALL" ] || { log "npm pack produced no tarball"; exit 1; }

export JFI_QUEUE_RUN_DIR="$RUN_DIR" JFI_QUEUE_SERVICES_ENV="$RUN_DIR/services.env" JFI_QUEUE_TARBALL="$TARBALL"
# queue-e2e.js enforces JFI_QUEUE_TIMEOUT_S itself; `timeout` is the backstop.
set +e
timeout --kill-after=30 "$((TIMEOUT_S + 60))" node "$HERE/queue-e2e.js" &
child=$!
wait "$child"
rc=$?
set -e
exit "$rc"
