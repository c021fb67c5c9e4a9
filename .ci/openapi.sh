#!/usr/bin/env bash
# Checks openapi/openapi.json against the running server (issue 8):
#   1. openapi-spec-validator accepts the document;
#   2. schemathesis drives a live scimd (temp SQLite, loopback) from the document: no 5xx, and
#      every response matches its documented status, media type and schema. Each operation
#      gets the credential of its security scheme (`bearer`: a tenant token; `adminToken`:
#      SCIMD_ADMIN_TOKEN), in two passes: the SCIM surface, then the admin API;
#   3. a Python client generated from the document (openapi-python-client) creates, reads,
#      patches and deletes a user against the live server, with a tenant and token made
#      through the admin API after the fuzzing;
#   4. headless Chromium renders /docs, and /docs/ (redirected), and the page lists the operations.
# Self-contained: Python tools go into a throw-away venv; Chromium is installed if missing.
# Every wait is bounded and the server is stopped on exit. Prints one summary line per check.
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
SPEC_VALIDATOR_VERSION=0.9.0
CLIENT_GENERATOR_VERSION=0.29.1
# Schemathesis explores until this budget is spent, per pass (SCIM surface, admin API); each
# pass is capped well above it.
ST_MAX_TIME=${ST_MAX_TIME:-90}
ST_ADMIN_MAX_TIME=${ST_ADMIN_MAX_TIME:-45}
ST_MAX_EXAMPLES=${ST_MAX_EXAMPLES:-10}
ST_SEED=${ST_SEED:-20261123}

work=$(mktemp -d)
server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

summary=()
note() { summary+=("$1"); printf '%s\n' "$1"; }
fail() {
    note "FAIL $1"
    [[ -f "$work/server.log" ]] && { echo "--- server log (tail)"; tail -n 40 "$work/server.log"; }
    printf '\n== openapi summary\n'; printf '%s\n' "${summary[@]}"
    exit 1
}

started=$SECONDS
elapsed() { echo "$((SECONDS - started))s"; }

# --- tools -------------------------------------------------------------------------------
python3 -m venv "$work/venv"
timeout 600 "$work/venv/bin/pip" install --quiet --disable-pip-version-check \
    "schemathesis==$SCHEMATHESIS_VERSION" "openapi-spec-validator==$SPEC_VALIDATOR_VERSION" \
    "openapi-python-client==$CLIENT_GENERATOR_VERSION" \
    || fail "pip install of schemathesis/openapi-spec-validator/openapi-python-client ($(elapsed))"
if ! command -v chromium >/dev/null; then
    timeout 600 apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1 \
        || { timeout 300 apt-get update -qq && timeout 600 apt-get install -y -qq \
            --no-install-recommends chromium >/dev/null; } \
        || fail "apt-get install chromium ($(elapsed))"
fi

# --- 1. the document is valid OpenAPI ----------------------------------------------------
timeout 120 "$work/venv/bin/openapi-spec-validator" openapi/openapi.json >"$work/validator.log" 2>&1 \
    || { cat "$work/validator.log"; fail "openapi-spec-validator: openapi/openapi.json is invalid"; }
note "ok   openapi-spec-validator $SPEC_VALIDATOR_VERSION: openapi/openapi.json is valid ($(elapsed))"

# --- a live server -----------------------------------------------------------------------
timeout 900 cargo build --locked --quiet --bin scimd
bin="${CARGO_TARGET_DIR:-target}/debug/scimd"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
token=$(python3 -c 'import secrets; print("ci-" + secrets.token_urlsafe(32))')
admin_token=$(python3 -c 'import secrets; print("ci-admin-" + secrets.token_urlsafe(32))')
base="http://127.0.0.1:$port"
# schemathesis fires requests as fast as it can; the rate limiter is tested elsewhere
# (tests/api/rate_limit.rs), so it is off here.
SCIMD_LISTEN="127.0.0.1:$port" \
    SCIMD_DATABASE_URL="sqlite://$work/scimd.db?mode=rwc" \
    SCIMD_BOOTSTRAP_TOKEN="$token" \
    SCIMD_ADMIN_TOKEN="$admin_token" \
    SCIMD_LOG=warn \
    SCIMD_RATE_LIMIT=0 \
    "$bin" serve >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
    curl -fsS -o /dev/null --max-time 2 "$base/readyz" 2>/dev/null && break
    kill -0 "$server_pid" 2>/dev/null || fail "scimd exited during start-up"
    sleep 0.2
done
curl -fsS -o /dev/null --max-time 2 "$base/readyz" || fail "scimd not ready within 20s"

# --- 2. schemathesis ---------------------------------------------------------------------
# Credentials by security scheme (schemathesis reads the values from its environment), so a
# SCIM operation gets the tenant token, an admin operation the admin token, and /oauth/token
# neither. Two passes: admin operations create tenants, issue and revoke tokens and add
# schema extensions, which must not change the tenant the SCIM pass is testing under it.
cat >"$work/schemathesis.toml" <<'TOML'
[auth.openapi.bearer]
bearer = "${ST_TENANT_TOKEN}"

[auth.openapi.adminToken]
bearer = "${ST_ADMIN_TOKEN}"
TOML
checks=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance
# st_pass NAME MAX_TIME FILTER...: one schemathesis run; prints the tail of its log, or all of it
# and fails. Runs from the temp dir: schemathesis keeps a cache in ./.schemathesis.
st_pass() {
    local name=$1 max_time=$2
    shift 2
    if (cd "$work" && ST_TENANT_TOKEN="$token" ST_ADMIN_TOKEN="$admin_token" \
        timeout $((max_time + 240)) "$work/venv/bin/st" --config-file "$work/schemathesis.toml" \
        run "$OLDPWD/openapi/openapi.json" \
        --url "$base" \
        --checks "$checks" \
        --max-examples "$ST_MAX_EXAMPLES" \
        --max-time "$max_time" \
        --request-timeout 10 \
        --seed "$ST_SEED" \
        --no-color \
        --output-sanitize true \
        "$@" >"$work/schemathesis-$name.log" 2>&1); then
        tail -n 25 "$work/schemathesis-$name.log"
    else
        cat "$work/schemathesis-$name.log"
        fail "schemathesis $SCHEMATHESIS_VERSION, $name pass: $checks (seed $ST_SEED; log above) ($(elapsed))"
    fi
}
cases() { grep -oE '[0-9]+ generated' "$work/schemathesis-$1.log" | tail -n 1 || true; }
# /Me answers 501 by design (RFC 7644 §3.11: no token here has a user subject), which the
# not_a_server_error check counts as a failure; tests/api/me.rs covers it instead.
st_pass scim "$ST_MAX_TIME" --exclude-path-regex '^(/admin/|/scim/v2/Me$)'
# …with the tenant token: the users its examples created are there.
users=$(curl -fsS --max-time 10 -H "Authorization: Bearer $token" "$base/scim/v2/Users?count=0" \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["totalResults"])') \
    || fail "GET /scim/v2/Users with the tenant token after the SCIM pass"
[[ "$users" -ge 1 ]] || fail "schemathesis' SCIM pass created no user (not authenticated?)"
# The document's admin examples name tenant "acme": with it in place they reach past the
# tenant lookup (issue a token, add a JWT trust and a schema extension), not only 404.
admin=(-H "Authorization: Bearer $admin_token" -H 'Content-Type: application/json')
curl -fsS -o /dev/null --max-time 10 "${admin[@]}" -d '{"name": "acme"}' "$base/admin/v1/tenants" \
    || fail "POST /admin/v1/tenants with the admin token"
st_pass admin "$ST_ADMIN_MAX_TIME" --include-path-regex '^/admin/'
# …with the admin token: the example token it issued for acme is there.
issued=$(curl -fsS --max-time 10 "${admin[@]}" "$base/admin/v1/tokens?tenant=acme" \
    | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))') \
    || fail "GET /admin/v1/tokens?tenant=acme with the admin token"
[[ "$issued" -ge 1 ]] || fail "schemathesis' admin pass issued no token for acme (not authenticated?)"
note "ok   schemathesis $SCHEMATHESIS_VERSION: $checks; SCIM pass $(cases scim), admin pass (adminToken) $(cases admin) ($(elapsed))"

# --- 3. a generated client works ----------------------------------------------------------
# A warning means part of the document could not become client code: that fails too.
mkdir "$work/client"
if ! (cd "$work/client" && timeout 300 "$work/venv/bin/openapi-python-client" generate \
    --path "$OLDPWD/openapi/openapi.json" --meta none >"$work/generate.log" 2>&1) \
    || grep -q WARNING "$work/generate.log"; then
    cat "$work/generate.log"
    fail "openapi-python-client $CLIENT_GENERATOR_VERSION could not generate a clean client"
fi
# A tenant and token of its own, made after the fuzzing, which may have revoked the bootstrap
# token or added a required schema extension to a tenant it saw in a listing.
client_tenant="ci-client-$(python3 -c 'import secrets; print(secrets.token_hex(4))')"
curl -fsS -o /dev/null --max-time 10 "${admin[@]}" -d "{\"name\": \"$client_tenant\"}" \
    "$base/admin/v1/tenants" || fail "POST /admin/v1/tenants ($client_tenant)"
client_token=$(curl -fsS --max-time 10 "${admin[@]}" \
    -d "{\"tenant\": \"$client_tenant\", \"label\": \"generated client\"}" "$base/admin/v1/tokens" \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])') \
    || fail "POST /admin/v1/tokens for $client_tenant"
PYTHONPATH="$work/client" timeout 120 "$work/venv/bin/python" .ci/openapi_client.py \
    "$base" "$client_token" >"$work/client.log" 2>&1 \
    || { cat "$work/client.log"; fail "the generated client's create/read/patch/delete failed"; }
note "ok   openapi-python-client $CLIENT_GENERATOR_VERSION: $(cat "$work/client.log") ($(elapsed))"

# --- 3b. the events a live server sends match the document's webhooks -------------------
timeout 120 "$work/venv/bin/python" .ci/openapi_events.py "$base" "$admin_token" \
    openapi/openapi.json >"$work/events.log" 2>&1 \
    || { cat "$work/events.log"; fail "events from GET /admin/v1/events do not match the document's webhooks"; }
note "ok   webhooks: $(cat "$work/events.log") ($(elapsed))"

# --- 4. the docs page renders in a browser -----------------------------------------------
# --virtual-time-budget lets the page fetch /openapi.json and render before the DOM is dumped.
# /docs/ too: served as is, its relative assets would resolve under /docs/docs/ and the page
# stay blank; it redirects to /docs, which chromium follows.
documented=$(python3 -c '
import json
doc = json.load(open("openapi/openapi.json"))
methods = {"get", "put", "post", "delete", "patch", "options", "head", "trace"}
# Swagger UI renders the webhooks (one per event type) as operations too.
items = list(doc["paths"].values()) + list(doc.get("webhooks", {}).values())
print(sum(1 for item in items for m in item if m in methods))')
for docs in /docs /docs/; do
    rm -rf "$work/chromium"   # a fresh profile: nothing the first load cached helps the second
    timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
        --user-data-dir="$work/chromium" --virtual-time-budget=20000 \
        --dump-dom "$base$docs" >"$work/dom.html" 2>"$work/chromium.log" \
        || { tail -n 20 "$work/chromium.log"; fail "chromium could not load $base$docs"; }
    operations=$(grep -o 'class="opblock-summary-path"' "$work/dom.html" | wc -l || true)
    if grep -q 'data-path="/scim/v2/Users"' "$work/dom.html" && [[ "$operations" -eq "$documented" ]]; then
        note "ok   chromium: $docs renders all $operations operations and webhooks, /scim/v2/Users among them ($(elapsed))"
    else
        head -c 2000 "$work/dom.html"; echo
        fail "chromium: $docs shows $operations of $documented operations"
    fi
done

printf '\n== openapi summary (%s)\n' "$(elapsed)"
printf '%s\n' "${summary[@]}"
