# syntax=docker/dockerfile:1
# One image with both binaries: harvest-scheduler (run `harvest-scheduler serve`) and
# harvest-worker (run `harvest-worker --roles gather,item,finalize`). Build:
#   docker build -t udata-harvester:0.1.0 .
# The Helm chart (helm/harvester) sets command and arguments per Deployment.

ARG RUST_VERSION=1
ARG DEBIAN_SUITE=bookworm

# ---------------------------------------------------------------- build
FROM rust:${RUST_VERSION}-${DEBIAN_SUITE} AS builder
WORKDIR /src
ENV CARGO_TERM_COLOR=never \
    CARGO_INCREMENTAL=0 \
    CARGO_NET_RETRY=5
# The whole workspace (members common, worker, scheduler, tests): cargo needs every member's
# manifest even when it builds two packages. .dockerignore keeps target/ and .git out.
COPY . .
# Cache mounts keep the registry and target/ between builds; the binaries are copied out of
# the cache mount into /out, which the runtime stage copies.
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,target=/usr/local/cargo/git,sharing=locked \
    --mount=type=cache,target=/src/target,sharing=locked \
    cargo build --release --locked -p harvest-scheduler -p harvest-worker \
 && mkdir -p /out \
 && install -m 0755 -s target/release/harvest-scheduler target/release/harvest-worker /out/

# ---------------------------------------------------------------- runtime
FROM debian:${DEBIAN_SUITE}-slim AS runtime
LABEL org.opencontainers.image.title="udata-harvester" \
      org.opencontainers.image.description="Harvester of open-data catalogs for udata: harvest-scheduler and harvest-worker" \
      org.opencontainers.image.licenses="AGPL-3.0-or-later"
# ca-certificates: TLS to remote catalogs, amqps:// and mongodb+srv:// (native roots).
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 harvest \
 && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin harvest
COPY --from=builder /out/harvest-scheduler /out/harvest-worker /usr/local/bin/
# Listen on every interface inside the container (the built-in defaults are 127.0.0.1).
# Environment variables win over the settings file (--config): to change these two addresses,
# set the variables (docker run -e, the chart does), not metrics.bind / api.bind in the file.
ENV HARVEST__METRICS__BIND=0.0.0.0:9464 \
    HARVEST__API__BIND=0.0.0.0:8080
USER 10001:10001
EXPOSE 8080 9464
# No ENTRYPOINT: the Deployment picks the binary. The default runs a worker with every role.
CMD ["harvest-worker"]
