# scimd container image: `docker build -t scimd .` (or `podman build --format docker …`).
#
# Stages: chef (Rust + cargo-chef) → planner (recipe.json: the dependency graph only) →
# cacher (dependencies compiled; rebuilt only when Cargo.toml/Cargo.lock change) → builder
# (scimd itself, at /src/target/release/scimd) → runtime (Debian slim, no toolchain).
#
# CI builds the binary on the host and replaces the builder stage with a directory holding
# src/target/release/scimd (`--build-context builder=DIR`, see .ci/container.sh), so the
# builder stage's WORKDIR and output path must stay /src/target/release/scimd.

FROM rust:1.95-bookworm AS chef
RUN cargo install cargo-chef --locked --version 0.1.78
WORKDIR /src

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS cacher
COPY --from=planner /src/recipe.json recipe.json
RUN cargo chef cook --release --locked --bin scimd --recipe-path recipe.json

FROM cacher AS builder
COPY . .
RUN cargo build --release --locked --bin scimd

# The builder is Debian bookworm too, so the binary's glibc matches the runtime's.
FROM debian:bookworm-slim AS runtime

# ca-certificates: TLS to PostgreSQL and to the JWKS URLs of trusted issuers. No curl: the
# HEALTHCHECK is `scimd healthcheck`.
# No version pins (DL3008): bookworm only receives security fixes, and pinning an exact
# Debian revision breaks the build as soon as the archive replaces it.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 10001 scimd \
    && useradd --uid 10001 --gid scimd --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin scimd \
    && mkdir -p /data \
    && chown scimd:scimd /data

COPY --from=builder /src/target/release/scimd /usr/local/bin/scimd

# Listen on every interface of the container; the SQLite database lives in the volume.
# PostgreSQL: -e SCIMD_DATABASE_URL=postgres://user:pass@host/db.
ENV SCIMD_LISTEN=0.0.0.0:8080 \
    SCIMD_DATABASE_URL=sqlite:///data/scimd.db?mode=rwc

# A named volume takes this directory's owner (uid 10001) on first use; a host directory
# mounted here must be writable by uid 10001.
VOLUME /data
WORKDIR /data
USER 10001:10001
EXPOSE 8080

# `scimd healthcheck` probes /healthz at the port SCIMD_LISTEN names (so `-e SCIMD_LISTEN=…`
# keeps the check right), on loopback when the address is a wildcard.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/scimd", "healthcheck", "--timeout", "4s"]

# scimd handles SIGTERM itself: it stops accepting, lets in-flight requests finish (5 s at
# most) and closes the database. It runs as PID 1 (exec form, no shell in between).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/scimd"]
CMD ["serve"]
