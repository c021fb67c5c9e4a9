#!/usr/bin/env bash
# Starts a throw-away PostgreSQL on loopback and prints `export SCIMD_TEST_DATABASE_URL=…`.
# Usage: eval "$(.ci/postgres.sh start [PORT])"; … ; .ci/postgres.sh stop
# Installs the server from Debian's packages if it is missing. initdb refuses root, so the
# cluster runs as the `postgres` user; fsync is off because the data is thrown away.
set -euo pipefail
state=/tmp/scimd-ci-postgres
case "${1:-}" in
start)
  port="${2:-55433}"
  if ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >&2
  fi
  pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  rm -rf "$state"; mkdir -p "$state"; chown postgres:postgres "$state"
  runuser -u postgres -- "$pgbin/initdb" -D "$state/data" -U postgres -A trust -E UTF8 --no-sync >/dev/null
  runuser -u postgres -- "$pgbin/pg_ctl" -D "$state/data" -l "$state/log" -w \
    -o "-p $port -k $state -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >&2
  echo "$pgbin" > "$state/pgbin"
  psql -h 127.0.0.1 -p "$port" -U postgres -qc 'create database scimd_test' >&2
  echo "export SCIMD_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:$port/scimd_test"
  ;;
stop)
  [ -f "$state/pgbin" ] && runuser -u postgres -- "$(cat "$state/pgbin")/pg_ctl" -D "$state/data" -m fast -w stop >&2 || true
  ;;
*)
  echo "usage: $0 start [PORT] | stop" >&2; exit 2 ;;
esac
