#!/usr/bin/env bash
# Start a PostgreSQL server for the tests (Debian). Idempotent: a second run reuses it.
#
#   eval "$(.ci/postgres.sh)"     # then `make test` also runs the tests marked `postgres`
#
# Prints only `export ...` lines on stdout (WFM_TEST_POSTGRES_URL, read by the tests, and
# DATABASE_URL); progress goes to stderr. As root it installs the `postgresql` package with
# apt-get when no server binaries are found. When PostgreSQL cannot be installed or started
# it prints nothing and exits 0, so the postgres tests are skipped, not failed.
set -uo pipefail

PG_PORT="${WFM_PG_PORT:-5432}"
PG_DATA="${WFM_PG_DATA:-/var/tmp/wfm-postgres}"
PG_SOCK="${WFM_PG_SOCKET_DIR:-/var/tmp/wfm-postgres-socket}"
PG_USER="wfm"
PG_DB="wfm"
PG_PASSWORD="${WFM_PG_PASSWORD:-wfm-ci-only-3f9c1b7e}"

log() { echo "postgres.sh: $*" >&2; }
give_up() { log "$* — the postgres tests will be skipped"; exit 0; }

pg_bindir() {
    local dir
    dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
    if [ -n "$dir" ] && [ -x "$dir/pg_ctl" ]; then echo "$dir"; return 0; fi
    if command -v pg_ctl >/dev/null 2>&1; then dirname "$(command -v pg_ctl)"; return 0; fi
    return 1
}

install_postgres() {
    [ "$(id -u)" = 0 ] || give_up "PostgreSQL is not installed and this is not root"
    command -v apt-get >/dev/null 2>&1 || give_up "PostgreSQL is not installed and apt-get is missing"
    log "installing postgresql with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 || give_up "apt-get update failed"
    apt-get install -y -qq --no-install-recommends postgresql >&2 || give_up "apt-get install failed"
}

BIN="$(pg_bindir)" || { install_postgres; BIN="$(pg_bindir)" || give_up "no pg_ctl after install"; }

# The server runs as the `postgres` user when we are root (PostgreSQL refuses root).
if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql postgres >&2
    as_pg() { runuser -u postgres -- "$@"; }
    OWNER=postgres
else
    as_pg() { "$@"; }
    OWNER="$(id -un)"
fi

mkdir -p "$PG_DATA" "$PG_SOCK"
chown "$OWNER" "$PG_DATA" "$PG_SOCK" 2>/dev/null || true
chmod 700 "$PG_DATA"

if [ ! -f "$PG_DATA/PG_VERSION" ]; then
    log "initdb in $PG_DATA"
    as_pg "$BIN/initdb" -D "$PG_DATA" -U postgres --auth-local=trust \
        --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >&2 \
        || as_pg "$BIN/initdb" -D "$PG_DATA" -U postgres --auth-local=trust \
            --auth-host=scram-sha-256 -E UTF8 --locale=C >&2 \
        || give_up "initdb failed"
fi

running() { as_pg "$BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; }

if ! running; then
    # Another server (say Debian's own cluster) may hold the port: take the next free one.
    for port in "$PG_PORT" 5433 5434 5435; do
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then PG_PORT="$port"; break; fi
    done
    log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
    as_pg "$BIN/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_SOCK -c fsync=off" start >&2 \
        || give_up "the server did not start (see $PG_DATA/server.log)"
else
    PG_PORT="$(sed -n '4p' "$PG_DATA/postmaster.pid" 2>/dev/null || echo "$PG_PORT")"
    log "already running on 127.0.0.1:$PG_PORT"
fi

psql_admin() {
    as_pg "$BIN/psql" -h "$PG_SOCK" -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt "$@"
}

psql_admin -c "DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_USER') THEN
    CREATE ROLE $PG_USER LOGIN CREATEDB PASSWORD '$PG_PASSWORD';
  ELSE
    ALTER ROLE $PG_USER LOGIN CREATEDB PASSWORD '$PG_PASSWORD';
  END IF;
END \$\$;" >&2 || give_up "cannot create the role $PG_USER"

if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")" != "1" ]; then
    psql_admin -c "CREATE DATABASE $PG_DB OWNER $PG_USER" >&2 || give_up "cannot create $PG_DB"
fi

URL="postgresql+psycopg://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/$PG_DB"
log "ready: postgresql+psycopg://$PG_USER:***@127.0.0.1:$PG_PORT/$PG_DB"
echo "export WFM_TEST_POSTGRES_URL='$URL'"
echo "export DATABASE_URL='$URL'"
