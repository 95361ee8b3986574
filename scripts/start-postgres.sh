#!/usr/bin/env bash
# Starts this machine's Debian PostgreSQL cluster (creating one if none) with a sandcaster role and test database; prints the URL.
#
# Idempotent and installs nothing (CI apt-get installs postgresql first). Needs root or the postgres
# user. Prints only the URL on stdout, e.g.
#   export SANDCASTER_TEST_DATABASE_URL="$(bash scripts/start-postgres.sh)"
set -euo pipefail

ROLE=sandcaster
PASSWORD=sandcaster
DATABASE=sandcaster_test

log() { echo "start-postgres: $*" >&2; }

as_postgres() {
  if [ "$(id -un)" = postgres ]; then
    (cd / && "$@")
  elif [ "$(id -u)" = 0 ]; then
    (cd / && runuser -u postgres -- "$@")
  else
    (cd / && sudo -u postgres -- "$@")
  fi
}

command -v pg_lsclusters >/dev/null 2>&1 || {
  log "pg_lsclusters not found: apt-get install postgresql first"
  exit 1
}

# The first cluster, as "version name port status".
first_cluster() { pg_lsclusters --no-header | awk 'NR == 1 { print $1, $2, $3, $4 }'; }

cluster="$(first_cluster)"
if [ -z "$cluster" ]; then
  version="$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)"
  [ -n "$version" ] || {
    log "no PostgreSQL server under /usr/lib/postgresql"
    exit 1
  }
  log "creating cluster $version/main"
  pg_createcluster "$version" main >&2
  cluster="$(first_cluster)"
fi
read -r version name port status <<<"$cluster"

case "$status" in
  online*) ;;
  *)
    log "starting cluster $version/$name on port $port"
    pg_ctlcluster "$version" "$name" start >&2
    ;;
esac

for _ in $(seq 1 60); do
  pg_isready -q -h 127.0.0.1 -p "$port" && break
  sleep 0.5
done
pg_isready -q -h 127.0.0.1 -p "$port" || {
  log "PostgreSQL $version/$name is not ready on 127.0.0.1:$port"
  tail -n 30 "/var/log/postgresql/postgresql-$version-$name.log" >&2 || true
  exit 1
}

psql_admin() { as_postgres psql -X -q -v ON_ERROR_STOP=1 -p "$port" -d postgres "$@"; }

psql_admin >&2 <<SQL
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ROLE') THEN
    CREATE ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASSWORD';
  ELSE
    ALTER ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASSWORD';
  END IF;
END
\$\$;
SQL

if [ "$(psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'")" != 1 ]; then
  log "creating database $DATABASE"
  psql_admin -c "CREATE DATABASE $DATABASE OWNER $ROLE"
fi

url="postgres://$ROLE:$PASSWORD@127.0.0.1:$port/$DATABASE"
# Password authentication over TCP (Debian's pg_hba: scram-sha-256 on host lines).
psql -X -q -tA "$url" -c "SELECT 1" >/dev/null || {
  log "cannot log in as $ROLE over TCP: check pg_hba.conf"
  exit 1
}
echo "$url"
