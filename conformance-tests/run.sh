#!/usr/bin/env bash
# Conformance runner (issue 8): builds scimd, starts it on loopback on SQLite and then on a
# throw-away PostgreSQL, and runs four suites against each:
#   scim2-tester  (through scim2-cli's `scim test`)     every check must be SUCCESS
#   scim-sanity   (`scim-sanity probe --strict`)        0 failed, 0 errors, only allowed skips
#   entra-flow    (replay/entra_flow.py, idp-quirks §2.1) every step passes
#   okta-flow     (replay/okta_flow.py,  idp-quirks §2.2) every step passes
# and then reads scimd's JSON log: no 5xx, no panic, and as many requests as the suites make.
# Every checker must also exit 0 and print only what summarize.py understands, and as many
# checks as the pinned version runs. It prints one line per suite and backend,
# `conformance <backend> <suite>: ...`, and one `conformance <backend> scimd log: ...`, each
# followed by what did not pass, and exits non-zero if anything did. Before all that,
# `summarize.py selftest` proves on doctored outputs that each of these checks can fail.
# See conformance-tests/README.md.
#
# Environment (all optional):
#   SCIMD_BIN=path             use this scimd binary instead of `cargo build --locked --bin scimd`
#   CONFORMANCE_BACKENDS       default "sqlite postgres"
#   CONFORMANCE_SUITES         default "scim2-tester scim-sanity entra-flow okta-flow"
#   CONFORMANCE_VENV=dir       keep the Python venv there and reuse it while requirements.txt
#                              is unchanged (default: a fresh venv in a temp dir)
#   CONFORMANCE_LOGS=dir       where the logs go (default: a new /tmp/scimd-conformance-logs.*,
#                              removed after a run where everything passed)
set -euo pipefail
# fd 3 is the script's own stderr, for messages from traps, which run with the redirections of
# the command they interrupt.
exec 3>&2

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
started=$SECONDS

backends=${CONFORMANCE_BACKENDS:-sqlite postgres}
suites=${CONFORMANCE_SUITES:-scim2-tester scim-sanity entra-flow okta-flow}
scimd_bin=${SCIMD_BIN:-}
# scimd reads its configuration from SCIMD_*; none of the caller's may leak into the runs
# (SCIMD_STRICT=true, for one, would turn off the IdP leniency the replays rely on).
while read -r var; do unset "$var"; done < <(compgen -e | grep '^SCIMD_' || true)
# The replays run from the source tree; keep it free of __pycache__.
export PYTHONDONTWRITEBYTECODE=1

# Time limits, in seconds. Every wait below is bounded by one of these.
build_timeout=1800
pip_timeout=300
start_timeout=60
suite_timeout=600
stop_timeout=15
summarize_timeout=60

work=$(mktemp -d /tmp/scimd-conformance.XXXXXX)
if [ -n "${CONFORMANCE_LOGS:-}" ]; then
  logs=$CONFORMANCE_LOGS; keep_logs=1; mkdir -p "$logs"
else
  logs=$(mktemp -d /tmp/scimd-conformance-logs.XXXXXX); keep_logs=0
fi
scimd_pid=""
pg_dir=""
pg_bin=""
summaries=()
failed=0

log() { printf '== %s (%ss)\n' "$*" "$((SECONDS - started))"; }

as_postgres() {
  # initdb refuses to run as root: the cluster then belongs to the `postgres` user.
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

stop_scimd() {
  [ -n "$scimd_pid" ] || return 0
  if kill -0 "$scimd_pid" 2>/dev/null; then
    kill -TERM "$scimd_pid" 2>/dev/null || true
    local waited=0
    while kill -0 "$scimd_pid" 2>/dev/null && [ "$waited" -lt $((stop_timeout * 10)) ]; do
      sleep 0.1; waited=$((waited + 1))
    done
    if kill -0 "$scimd_pid" 2>/dev/null; then
      echo "scimd did not stop within ${stop_timeout}s of SIGTERM; killing it" >&3
      kill -KILL "$scimd_pid" 2>/dev/null || true
    fi
  fi
  wait "$scimd_pid" 2>/dev/null || true
  scimd_pid=""
}

stop_postgres() {
  [ -n "$pg_dir" ] || return 0
  if [ -n "$pg_bin" ] && [ -f "$pg_dir/data/postmaster.pid" ]; then
    as_postgres "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast -w -t "$stop_timeout" stop >/dev/null 2>&1 \
      || as_postgres "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate -w -t "$stop_timeout" stop >/dev/null 2>&1 \
      || true
  fi
  rm -rf "$pg_dir"
  pg_dir=""
}

cleanup() {
  stop_scimd
  stop_postgres
  rm -rf "$work"
}
# Long commands run in the background under `timeout` and are waited for, so that a signal
# to this script (or to its process group) stops the run at once, not after the command.
child=""
bounded() {
  local limit=$1 rc=0
  shift
  timeout "$limit" "$@" &
  child=$!
  wait "$child" || rc=$?
  child=""
  return "$rc"
}
on_signal() {
  echo "conformance: interrupted; stopping scimd and PostgreSQL" >&3
  if [ -n "$child" ]; then kill -TERM "$child" 2>/dev/null || true; fi
  exit "$1"
}
trap cleanup EXIT
trap 'on_signal 130' INT
trap 'on_signal 143' TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# ---- the summarizer's own test -----------------------------------------------------------
# Doctored outputs (a truncated run, a traceback, a non-zero exit, a skip too many, a 5xx in
# the log, a log without request lines...) must each fail; if one passes, no result below
# could be trusted.
log "summarize.py selftest"
timeout "$summarize_timeout" python3 "$here/summarize.py" selftest \
  || { echo "conformance: summarize.py selftest failed: its checks cannot be trusted" >&2; exit 1; }

# ---- scimd binary ------------------------------------------------------------------------
# The same profile as .ci/run, so that in CI the build reuses what the test steps compiled.
export CARGO_PROFILE_DEV_DEBUG=${CARGO_PROFILE_DEV_DEBUG:-0}
if [ -z "$scimd_bin" ]; then
  log "cargo build --locked --bin scimd"
  bounded "$build_timeout" cargo build --locked --bin scimd --manifest-path "$root/Cargo.toml"
  target_dir=$(cd "$root" && cargo metadata --format-version 1 --no-deps --locked \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
  scimd_bin=$target_dir/debug/scimd
fi
[ -x "$scimd_bin" ] || { echo "no scimd binary at $scimd_bin" >&2; exit 1; }

# ---- Python venv with the pinned checkers ------------------------------------------------
venv=${CONFORMANCE_VENV:-$work/venv}
stamp="$venv/.conformance-requirements"
if [ -f "$stamp" ] && cmp -s "$stamp" "$here/requirements.txt" && [ -x "$venv/bin/python" ]; then
  log "reusing the venv $venv"
else
  log "installing the pinned checkers into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  bounded "$pip_timeout" "$venv/bin/pip" install --quiet --disable-pip-version-check \
    -r "$here/requirements.txt" >"$logs/pip.log" 2>&1 \
    || { cat "$logs/pip.log" >&2; echo "pip install failed" >&2; exit 1; }
  cp "$here/requirements.txt" "$stamp"
fi
py=$venv/bin/python

# ---- one backend -------------------------------------------------------------------------
new_token() { echo "scimd_$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"; }

find_pg_bin() { { compgen -G '/usr/lib/postgresql/*/bin' || true; } | sort -V | tail -n 1; }

start_postgres() {
  pg_bin=$(find_pg_bin)
  if [ -z "$pg_bin" ]; then
    if [ "$(id -u)" = 0 ]; then
      log "installing PostgreSQL from Debian's packages"
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >"$logs/apt.log" 2>&1
      pg_bin=$(find_pg_bin)
    else
      echo "PostgreSQL server binaries not found under /usr/lib/postgresql (apt-get install postgresql)" >&2
      return 1
    fi
  fi
  pg_dir=$(mktemp -d /tmp/scimd-conformance-pg.XXXXXX)
  if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$pg_dir"; fi
  local port
  port=$(free_port)
  as_postgres "$pg_bin/initdb" -D "$pg_dir/data" -U postgres -A trust -E UTF8 --no-sync >"$logs/postgres-initdb.log" 2>&1
  # fsync is off: the data is thrown away after the run.
  as_postgres "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w -t "$start_timeout" \
    -o "-p $port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
  timeout "$start_timeout" psql -h 127.0.0.1 -p "$port" -U postgres -qc 'create database scimd_conformance'
  database_url="postgres://postgres@127.0.0.1:$port/scimd_conformance"
}

# Each suite gets a tenant of its own, so that what one leaves behind cannot change what
# another sees (Okta's SPEC test reads "the first user" of the tenant). scim2-tester uses
# tenant `default` with SCIMD_BOOTSTRAP_TOKEN, the others tokens from `scimd token issue`.
declare -A tokens
prepare_tenants() {
  local suite tenant
  # Only `serve` and `migrate` create a database; the tenant commands below open it.
  timeout "$start_timeout" "$scimd_bin" migrate --database-url "$database_url" >>"$backend_log" 2>&1
  for suite in $suites; do
    if [ "$suite" = scim2-tester ]; then
      tokens[$suite]=$bootstrap_token
      continue
    fi
    tenant="conformance-$suite"
    timeout "$start_timeout" "$scimd_bin" tenant create "$tenant" --database-url "$database_url" >>"$backend_log" 2>&1
    tokens[$suite]=$(timeout "$start_timeout" "$scimd_bin" token issue --tenant "$tenant" \
      --label "conformance $suite" --database-url "$database_url" 2>>"$backend_log")
  done
}

# Settings a suite needs beyond the defaults. scim-sanity's strict probe wants 200 with the
# group's body for a Group PATCH, where RFC 7644 §3.5.2 also allows the 204 scimd answers by
# default (Entra's and Microsoft's choice); SCIMD_GROUP_PATCH_RESPONSE=resource exists for such
# a client. Every other suite runs against the defaults.
suite_settings() {
  case $1 in
    scim-sanity) echo "SCIMD_GROUP_PATCH_RESPONSE=resource" ;;
    *) echo "" ;;
  esac
}

# Starts scimd with the settings of suite_settings (`VAR=value …`); `running_settings` says
# which it was started with, so a suite that needs others gets a restarted server.
running_settings=""
start_scimd() {
  local port waited=0 settings=${1:-}
  local -a extra=()
  [ -z "$settings" ] || read -r -a extra <<<"$settings"
  running_settings=$settings
  port=$(free_port)
  base_url="http://127.0.0.1:$port/scim/v2"
  # The checkers send requests back to back, faster than an IdP; they test SCIM, not the
  # rate limiter (tests/api/rate_limit.rs does), so it is off here. The log is JSON lines, so
  # that `summarize.py serverlog` reads each request's status from its field.
  SCIMD_LISTEN="127.0.0.1:$port" SCIMD_DATABASE_URL="$database_url" \
    SCIMD_BOOTSTRAP_TOKEN="$bootstrap_token" SCIMD_LOG=info SCIMD_LOG_FORMAT=json SCIMD_RATE_LIMIT=0 \
    env "${extra[@]}" "$scimd_bin" serve >>"$backend_log" 2>&1 &
  scimd_pid=$!
  until curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$port/healthz" 2>/dev/null; do
    if ! kill -0 "$scimd_pid" 2>/dev/null; then
      echo "scimd exited during start-up; its log:" >&2; tail -n 30 "$backend_log" >&2; return 1
    fi
    if [ "$waited" -ge $((start_timeout * 5)) ]; then
      echo "scimd did not answer /healthz within ${start_timeout}s; its log:" >&2
      tail -n 30 "$backend_log" >&2; return 1
    fi
    sleep 0.2; waited=$((waited + 1))
  done
}

# Runs one suite; prints its summary line and the checks that did not pass. Each checker exits
# 0 exactly when everything it checked passed; any other exit status (124: killed by
# `timeout`) fails the suite, whatever its output says (summarize.py --exit-code).
run_suite() {
  local suite=$1 token=${tokens[$1]} out="$logs/$backend-$1.log" kind rc=0 summary status=0
  local t0=$SECONDS
  local -a extra=()
  case $suite in
    scim2-tester)
      kind=scim2-tester
      SCIM_CLI_HEADERS="Authorization: Bearer $token" \
        bounded "$suite_timeout" "$venv/bin/scim" --url "$base_url" test --verbose >"$out" 2>&1 || rc=$?
      ;;
    scim-sanity)
      # The token is on the command line (scim-sanity has no other way); it is a throw-away
      # token of a throw-away database on loopback.
      kind=scim-sanity
      bounded "$suite_timeout" "$venv/bin/scim-sanity" probe "$base_url" --token "$token" \
        --strict --i-accept-side-effects --json-output --timeout 30 >"$out" 2>"$out.stderr" || rc=$?
      extra=(--stderr "$out.stderr")
      ;;
    entra-flow | okta-flow)
      kind=replay
      SCIM_TOKEN=$token bounded "$suite_timeout" "$py" "$here/replay/${suite/-/_}.py" \
        --base-url "$base_url" >"$out" 2>&1 || rc=$?
      extra=(--script "$here/replay/${suite/-/_}.py")
      ;;
    *) echo "unknown suite $suite" >&2; return 1 ;;
  esac
  summary=$(timeout "$summarize_timeout" "$py" "$here/summarize.py" "$kind" "$out" \
    --exit-code "$rc" "${extra[@]}") || status=$?
  if [ "$status" != 0 ] && [ -z "$summary" ]; then summary="$suite: summarize.py failed (status $status)"; fi
  # summarize.py fails on a non-zero exit already; this holds even if it did not.
  [ "$rc" = 0 ] || status=1
  if [ "$rc" = 124 ]; then summary="$summary"$'\n'"    timed out after ${suite_timeout}s"; fi
  local first=${summary%%$'\n'*}
  summaries+=("conformance $backend $first ($((SECONDS - t0))s)")
  printf 'conformance %s %s (%ss)\n' "$backend" "$first" "$((SECONDS - t0))"
  [ "$summary" = "$first" ] || printf '%s\n' "${summary#*$'\n'}"
  if [ "$status" != 0 ]; then
    echo "    full output: $out"
    failed=1
  fi
}

run_backend() {
  backend=$1
  backend_log="$logs/$backend-scimd.log"
  : >"$backend_log"
  local t0=$SECONDS
  case $backend in
    sqlite) database_url="sqlite://$work/scimd-conformance.db?mode=rwc" ;;
    postgres) log "starting a throw-away PostgreSQL on loopback"; start_postgres ;;
    *) echo "unknown backend $backend" >&2; return 1 ;;
  esac
  bootstrap_token=$(new_token)
  prepare_tenants
  start_scimd
  log "scimd on $backend at $base_url"
  local suite
  for suite in $suites; do
    if [ "$(suite_settings "$suite")" != "$running_settings" ]; then
      if ! kill -0 "$scimd_pid" 2>/dev/null; then
        summaries+=("conformance $backend scimd: exited before $suite (log: $backend_log)")
        echo "${summaries[-1]}"; failed=1
      fi
      stop_scimd
      start_scimd "$(suite_settings "$suite")"
      log "scimd restarted for $suite with: $running_settings"
    fi
    run_suite "$suite"
  done
  if ! kill -0 "$scimd_pid" 2>/dev/null; then
    summaries+=("conformance $backend scimd: exited during the suites (log: $backend_log)")
    echo "${summaries[-1]}"; failed=1
  fi
  stop_scimd
  # A panic or a 5xx is a scimd bug even when no suite noticed it. The log must also hold the
  # suites' requests: a log summarize.py cannot read fails instead of passing vacuously.
  local summary status=0
  summary=$(timeout "$summarize_timeout" python3 "$here/summarize.py" serverlog "$backend_log" \
    --suites "$suites") || status=$?
  if [ "$status" != 0 ] && [ -z "$summary" ]; then summary="scimd log: summarize.py failed (status $status)"; fi
  summaries+=("conformance $backend ${summary%%$'\n'*}")
  echo "${summaries[-1]}"
  [ "$summary" = "${summary%%$'\n'*}" ] || printf '%s\n' "${summary#*$'\n'}"
  if [ "$status" != 0 ]; then
    echo "    full log: $backend_log"
    failed=1
  fi
  if [ "$backend" = postgres ]; then stop_postgres; fi
  log "$backend done in $((SECONDS - t0))s"
}

for b in $backends; do
  run_backend "$b"
done

echo
echo "== summary ($((SECONDS - started))s)"
printf '%s\n' "${summaries[@]}"
if [ "$failed" != 0 ]; then
  echo "conformance: FAILED; logs in $logs"
  exit 1
fi
echo "conformance: every suite passed on: $backends"
[ "$keep_logs" = 1 ] || rm -rf "$logs"
