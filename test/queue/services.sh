#!/usr/bin/env bash
# Redis and PostgreSQL for the queue-mode end-to-end test, from Debian packages,
# on 127.0.0.1 only, on free ports, with all data in one run folder.
#
#   test/queue/services.sh ensure          install redis-server / postgresql with apt-get when missing
#   test/queue/services.sh start  <dir>    start both; writes <dir>/services.env (ports, users, passwords)
#   test/queue/services.sh stop   <dir>    stop both (by the pids recorded in <dir>); safe to repeat
#   test/queue/services.sh kill-procs <dir> stop every process running inside <dir> (n8n, its CLI)
#   test/queue/services.sh reap            stop what earlier runs left when their owner died (kill -9)
#
# <dir> must be a fresh folder (run.sh makes one with mktemp). As root, PostgreSQL
# runs as the `postgres` user (it refuses to run as root): its folder is handed to
# that user and <dir> is made traversable (711) for it.
#
# Nothing listens anywhere but 127.0.0.1; both servers require a password
# (random per run, kept in <dir>/services.env, mode 600).
set -euo pipefail

log() { echo "queue-services: $*" >&2; }
die() { log "$*"; exit 1; }

# ---------------------------------------------------------------- install ---

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo -n "$@"
  else die "need root (or password-less sudo) to run: $*"
  fi
}

pg_bin_dir() {
  # Newest installed server (Debian keeps each major under /usr/lib/postgresql/<major>/bin).
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; fi
}

redis_ok() { command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1; }
postgres_ok() { [ -n "$(pg_bin_dir)" ]; }

apt_install() {
  # Non-interactive; services are never started by the package here
  # (this script starts its own instances). A package the index does not know
  # (fresh machine, stale lists) triggers one `apt-get update` and a retry.
  local out
  export DEBIAN_FRONTEND=noninteractive
  if out="$(as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" 2>&1)"; then
    return 0
  fi
  if grep -qiE 'unable to locate package|has no installation candidate|no packages found|failed to fetch|404' <<<"$out"; then
    log "apt-get install $* failed ($(grep -iE 'unable to locate|candidate|failed to fetch|404' <<<"$out" | head -n 1)); running apt-get update"
    as_root apt-get update
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"
  else
    echo "$out" >&2
    return 1
  fi
}

cmd_ensure() {
  local want=()
  redis_ok || want+=(redis-server)
  postgres_ok || want+=(postgresql)
  if [ "${#want[@]}" -gt 0 ]; then
    command -v apt-get >/dev/null 2>&1 || die "missing ${want[*]} and no apt-get: install Redis and PostgreSQL (15+) yourself"
    log "installing ${want[*]} with apt-get"
    apt_install "${want[@]}"
  fi
  redis_ok || die "redis-server still missing after install"
  postgres_ok || die "PostgreSQL server binaries still missing after install (looked in /usr/lib/postgresql/*/bin)"
  log "redis: $(redis-server --version | head -n 1)"
  log "postgres: $("$(pg_bin_dir)/postgres" --version)"
}

# ------------------------------------------------------------ start / stop ---

free_port() {
  # Asks the kernel for a free port on 127.0.0.1 (the usual tiny race applies).
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{process.stdout.write(String(s.address().port));s.close()})'
}

random_secret() { od -An -tx1 -N18 /dev/urandom | tr -d ' \n'; }

# Runs a PostgreSQL program as the right user (postgres when we are root).
as_pg() {
  if [ "$(id -u)" = 0 ]; then
    getent passwd postgres >/dev/null || die "running as root but there is no 'postgres' user (the postgresql package creates it)"
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# True when pid $1 exists and is not a zombie (a dead process its parent has not reaped yet).
pid_alive() {
  local state
  state="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" || return 1
  [ -n "$state" ] && [ "$state" != Z ]
}

# True when pid $1 runs with its working folder at or under $2.
pid_cwd_under() {
  local pid="$1" root="$2" cwd
  [ -n "$pid" ] && cwd="$(readlink "/proc/$pid/cwd" 2>/dev/null)" || return 1
  cwd="${cwd% (deleted)}"
  [ "$cwd" = "$root" ] || [ "${cwd#"$root"/}" != "$cwd" ]
}

# True when pid $1 is alive and its command line contains $2.
pid_matches() {
  local pid="$1" needle="$2"
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$needle"
}

start_redis() {
  local dir="$1" port pass
  port="$(free_port)"
  pass="$(random_secret)"
  mkdir -p "$dir/redis"
  # The password lives only in this file (mode 600) and in services.env.
  umask 077
  cat >"$dir/redis/redis.conf" <<EOF
bind 127.0.0.1
port $port
protected-mode yes
requirepass $pass
dir $dir/redis
save ""
appendonly no
daemonize yes
pidfile $dir/redis/redis.pid
logfile $dir/redis/redis.log
EOF
  redis-server "$dir/redis/redis.conf" || die "redis-server did not start (see $dir/redis/redis.log)"
  local i
  for i in $(seq 1 100); do
    if redis-cli -h 127.0.0.1 -p "$port" --no-auth-warning -a "$pass" ping 2>/dev/null | grep -q PONG; then
      echo "REDIS_PORT=$port" >>"$dir/services.env"
      echo "REDIS_PASSWORD=$pass" >>"$dir/services.env"
      log "redis on 127.0.0.1:$port (pid $(cat "$dir/redis/redis.pid" 2>/dev/null))"
      return 0
    fi
    sleep 0.1
  done
  tail -n 20 "$dir/redis/redis.log" >&2 || true
  die "redis did not answer PING within 10 s"
}

start_postgres() {
  local dir="$1" bin port pass
  bin="$(pg_bin_dir)"
  [ -n "$bin" ] || die "PostgreSQL is not installed (run: $0 ensure)"
  port="$(free_port)"
  pass="$(random_secret)"
  mkdir -p "$dir/pg/sock"
  umask 077
  printf '%s\n' "$pass" >"$dir/pg/pwfile"
  if [ "$(id -u)" = 0 ]; then
    chmod 711 "$dir"            # postgres must be able to walk into <dir>/pg, nothing more
    chown -R postgres: "$dir/pg"
    as_pg test -w "$dir/pg" || die "the postgres user cannot reach $dir/pg (a parent folder is closed to it); set TMPDIR to a folder such as /tmp"
  fi
  # scram passwords for every connection; the superuser is `n8n`.
  as_pg "$bin/initdb" -D "$dir/pg/data" -U n8n --pwfile="$dir/pg/pwfile" \
    --auth-local=scram-sha-256 --auth-host=scram-sha-256 -E UTF8 --no-locale --no-sync \
    >"$dir/pg/initdb.log" 2>&1 || { cat "$dir/pg/initdb.log" >&2; die "initdb failed"; }
  rm -f "$dir/pg/pwfile"
  # Throwaway data: durability off for speed.
  as_pg "$bin/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/postgres.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir/pg/sock -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null || { tail -n 30 "$dir/pg/postgres.log" >&2 || true; die "postgres did not start"; }
  PGPASSWORD="$pass" "$bin/psql" -X -q -h 127.0.0.1 -p "$port" -U n8n -d postgres -v ON_ERROR_STOP=1 \
    -c 'CREATE DATABASE n8n' || die "could not create the n8n database"
  {
    echo "PG_BIN=$bin"
    echo "PG_PORT=$port"
    echo "PG_USER=n8n"
    echo "PG_PASSWORD=$pass"
    echo "PG_DATABASE=n8n"
    echo "PG_VERSION=$("$bin/postgres" --version | awk '{print $3}')"
  } >>"$dir/services.env"
  log "postgres $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (data in $dir/pg/data)"
}

cmd_start() {
  local dir="${1:?usage: $0 start <dir>}"
  [ -d "$dir" ] || die "$dir is not a folder"
  [ ! -e "$dir/services.env" ] || die "$dir already has services (stop them first)"
  redis_ok && postgres_ok || die "Redis/PostgreSQL missing: run $0 ensure"
  : >"$dir/services.env"
  chmod 600 "$dir/services.env"
  echo "SERVICES_OWNER_PID=${SERVICES_OWNER_PID:-$PPID}" >>"$dir/services.env"
  start_redis "$dir"
  start_postgres "$dir"
}

stop_redis() {
  local dir="$1" pid
  [ -f "$dir/redis/redis.pid" ] || return 0
  pid="$(cat "$dir/redis/redis.pid")"
  if pid_matches "$pid" redis-server; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do pid_alive "$pid" || break; sleep 0.1; done
    if pid_alive "$pid" && pid_matches "$pid" redis-server; then kill -KILL "$pid" 2>/dev/null || true; fi
    log "redis stopped (pid $pid)"
  fi
  rm -f "$dir/redis/redis.pid"
}

stop_postgres() {
  local dir="$1" bin pid
  [ -f "$dir/pg/data/postmaster.pid" ] || return 0
  pid="$(head -n 1 "$dir/pg/data/postmaster.pid")"
  bin="$(pg_bin_dir)"
  if pid_matches "$pid" "$dir/pg/data"; then
    if [ -n "$bin" ]; then
      as_pg "$bin/pg_ctl" -D "$dir/pg/data" -m immediate -w -t 20 stop >/dev/null 2>&1 || true
    fi
    if pid_matches "$pid" "$dir/pg/data"; then
      kill -KILL "$pid" 2>/dev/null || true
    fi
    log "postgres stopped (pid $pid)"
  fi
}

cmd_stop() {
  local dir="${1:?usage: $0 stop <dir>}"
  [ -d "$dir" ] || return 0
  stop_redis "$dir"
  stop_postgres "$dir"
}

# Every process whose working folder is inside <dir>, except the servers in <dir>/redis and <dir>/pg
# (n8n main/workers and n8n CLI commands all run in their user folder there): SIGTERM, up to 10 s to exit, then SIGKILL. Identified by pid and
# by the run folder (unique per run), never by name.
cmd_kill_procs() {
  local dir="${1:?usage: $0 kill-procs <dir>}" p pid pids=()
  dir="$(cd "$dir" 2>/dev/null && pwd -P)" || return 0
  for p in /proc/[0-9]*; do
    pid="${p#/proc/}"
    [ "$pid" != $$ ] || continue
    # Redis and PostgreSQL run in <dir>/redis and <dir>/pg: `stop` handles them.
    if pid_cwd_under "$pid" "$dir" && ! pid_cwd_under "$pid" "$dir/redis" && ! pid_cwd_under "$pid" "$dir/pg"; then
      pids+=("$pid")
    fi
  done
  [ "${#pids[@]}" -gt 0 ] || return 0
  log "stopping ${#pids[@]} process(es) left in $dir: ${pids[*]}"
  kill -TERM "${pids[@]}" 2>/dev/null || true
  for _ in $(seq 1 50); do
    local alive=()
    for pid in "${pids[@]}"; do pid_alive "$pid" && alive+=("$pid"); done
    [ "${#alive[@]}" -gt 0 ] || return 0
    pids=("${alive[@]}")
    sleep 0.2
  done
  kill -KILL "${pids[@]}" 2>/dev/null || true
}

# Earlier runs killed with SIGKILL (or a lost machine session) cannot clean up
# after themselves: stop the services of run folders whose owner is gone.
cmd_reap() {
  local root="${1:-${TMPDIR:-/tmp}}" d owner
  for d in "$root"/jfi-queue-*; do
    [ -d "$d" ] || continue
    owner="$(cat "$d/owner.pid" 2>/dev/null || sed -n 's/^SERVICES_OWNER_PID=//p' "$d/services.env" 2>/dev/null || true)"
    [ -n "$owner" ] || continue   # not ours, or a run that has only just begun
    if pid_alive "$owner"; then continue; fi
    log "reaping services of an abandoned run: $d"
    cmd_kill_procs "$d"
    cmd_stop "$d"
    rm -rf "$d"
  done
}

case "${1:-}" in
  ensure) cmd_ensure ;;
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  reap) shift; cmd_reap "$@" ;;
  kill-procs) shift; cmd_kill_procs "$@" ;;
  *) echo "usage: $0 ensure | start <dir> | stop <dir> | kill-procs <dir> | reap [<tmp root>]" >&2; exit 2 ;;
esac
