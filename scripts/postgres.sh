#!/usr/bin/env bash
# A local PostgreSQL for the storage tests and the soak: prints its URL on stdout.
#
#   export GRADER_TEST_POSTGRES_URL="$(bash scripts/postgres.sh)"
#
# Idempotent: when the database already answers, the second run only checks
# (well under a second). Otherwise, as root on Debian: installs Debian's
# `postgresql` with apt if it is missing, creates a cluster if there is none,
# starts it (pg_ctlcluster, as the postgres user: there is no init system here),
# and creates the role and the database `grader_test` with a password.
# Messages go to stderr, the URL alone to stdout.
set -euo pipefail

NAME=${GRADER_TEST_POSTGRES_NAME:-grader_test}  # role and database
PASSWORD=${GRADER_TEST_POSTGRES_PASSWORD:-grader_test}
HOST=127.0.0.1
WAIT_S=${POSTGRES_WAIT_S:-60}

say() { echo "[postgres] $*" >&2; }
die() { echo "[postgres] $*" >&2; exit 1; }

url() { echo "postgresql+psycopg://$NAME:$PASSWORD@$HOST:$1/$NAME"; }

answers() {  # answers PORT: the role can log in to its database with the password
  command -v psql >/dev/null || return 1
  PGPASSWORD=$PASSWORD PGCONNECT_TIMEOUT=3 psql -h "$HOST" -p "$1" -U "$NAME" -d "$NAME" \
    -XtAqc 'SELECT 1' >/dev/null 2>&1
}

need_root() {
  [ "$(id -u)" = 0 ] || die "$1; this needs root (run: sudo make postgres)."
}

install_postgres() {
  command -v pg_lsclusters >/dev/null && return
  command -v apt-get >/dev/null || die "PostgreSQL is not installed and apt-get is missing."
  need_root "PostgreSQL is not installed"
  say "apt-get update"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  say "installing postgresql with apt-get"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
}

cluster() {  # prints "VERSION NAME PORT STATUS" of the first cluster, creating one if none
  local line
  line=$(pg_lsclusters -h 2>/dev/null | head -n 1)
  if [ -z "$line" ]; then
    local version
    version=$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)
    [ -n "$version" ] || die "no PostgreSQL server binaries under /usr/lib/postgresql"
    say "creating cluster $version/main"
    pg_createcluster "$version" main >/dev/null
    line=$(pg_lsclusters -h | head -n 1)
  fi
  echo "$line" | awk '{print $1, $2, $3, $4}'
}

start_cluster() {  # start_cluster VERSION NAME PORT STATUS
  local deadline=$((SECONDS + WAIT_S))
  if [ "$4" != online ]; then
    say "starting cluster $1/$2 on port $3 (log: /var/log/postgresql/postgresql-$1-$2.log)"
    # A cluster killed earlier leaves a pid file that blocks a new start.
    local pidfile="/var/lib/postgresql/$1/$2/postmaster.pid"
    if [ -f "$pidfile" ] && ! kill -0 "$(head -n 1 "$pidfile")" 2>/dev/null; then
      rm -f "$pidfile"
    fi
    pg_ctlcluster "$1" "$2" start || die "pg_ctlcluster $1 $2 start failed; see its log"
  fi
  until pg_isready -q -h "$HOST" -p "$3"; do
    [ $SECONDS -lt $deadline ] || die "PostgreSQL did not answer within ${WAIT_S}s on port $3"
    sleep 0.5
  done
}

as_postgres() { runuser -u postgres -- "$@"; }

ensure_role_and_database() {  # ensure_role_and_database PORT
  local sql_password=${PASSWORD//\'/\'\'}
  if [ -z "$(as_postgres psql -p "$1" -XtAc "SELECT 1 FROM pg_roles WHERE rolname = '$NAME'")" ]
  then
    say "creating role $NAME"
    as_postgres psql -p "$1" -Xq -c "CREATE ROLE \"$NAME\" LOGIN"
  fi
  as_postgres psql -p "$1" -Xq -c "ALTER ROLE \"$NAME\" WITH LOGIN PASSWORD '$sql_password'"
  if [ -z "$(as_postgres psql -p "$1" -XtAc "SELECT 1 FROM pg_database WHERE datname = '$NAME'")" ]
  then
    say "creating database $NAME"
    as_postgres createdb -p "$1" -O "$NAME" "$NAME"
  fi
}

main() {
  if answers 5432; then
    url 5432
    return
  fi
  install_postgres
  need_root "PostgreSQL is not running or $NAME is missing"
  local version name port status
  read -r version name port status < <(cluster)
  start_cluster "$version" "$name" "$port" "$status"
  ensure_role_and_database "$port"
  answers "$port" || die "role $NAME cannot log in on $HOST:$port with its password"
  say "ready: PostgreSQL $(as_postgres psql -p "$port" -XtAc 'SHOW server_version'), \
database $NAME on $HOST:$port"
  url "$port"
}

main
