# syntax=docker/dockerfile:1
#
# auditrelay container image.
#
#   docker build -t auditrelay:0.1.0 .
#   docker run --rm --read-only -v auditrelay-spool:/var/lib/auditrelay -p 8686:8686 auditrelay:0.1.0
#
# Measured with scripts/build-image.sh (2026-12-06, Swift 6.3.1): 200.1 MB uncompressed
# (200,055,338 bytes as `podman images` reports it). No Docker engine runs there: the base is
# `debootstrap --variant=minbase bookworm` trimmed the way debian:bookworm-slim is, and buildah
# applies this file's runtime stage unchanged. Where it goes:
#   base (debian:bookworm-slim stand-in; the real one is ~75 MB)      78.0 MB
#   libcurl4 + librdkafka1 + ca-certificates + tzdata (with deps)     19.1 MB
#   auditrelay, static stdlib, debug info stripped                    92.5 MB
#   swift-backtrace                                                   10.4 MB
# The binary links full Foundation (Yams imports it), whose ICU data is most of those 92.5 MB; a
# hello-world importing only FoundationEssentials links to ~21 MB. Rerun scripts/build-image.sh
# whenever the imports change.

# The runtime image is read-only-root-filesystem friendly: the process writes only to the
# /var/lib/auditrelay volume (spool, and TMPDIR). Run it with `--read-only`.

ARG SWIFT_IMAGE=swift:6.3-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

# ---------------------------------------------------------------------------------------------
# Build stage: Swift toolchain on the same Debian release as the runtime, so the C libraries the
# binary links against (libcurl, librdkafka) have the same sonames at build and at run time.
# ---------------------------------------------------------------------------------------------
FROM ${SWIFT_IMAGE} AS build

RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get -q update \
    && apt-get -q install -y --no-install-recommends libcurl4-openssl-dev librdkafka-dev \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /build

# Resolve dependencies from the manifest alone, so editing sources does not invalidate this layer.
# Package.resolved is git-ignored and kept out of the context (.dockerignore): the one a
# development machine writes may pin mirror commits that do not exist upstream.
COPY Package.swift ./
RUN swift package resolve

# The manifest validates every target's directory (tests included), so copy the whole context;
# .dockerignore keeps build folders, caches, VCS data and the Helm chart out of it.
COPY . .

# --static-swift-stdlib: no Swift runtime in the final image, only the system C libraries.
# Debug info is stripped (symbols stay, so crash backtraces still name functions).
RUN swift build -c release --static-swift-stdlib --product auditrelay \
    && mkdir -p /staging/usr/local/bin /staging/etc/auditrelay \
    && BIN_DIR="$(swift build -c release --static-swift-stdlib --show-bin-path)" \
    && cp "${BIN_DIR}/auditrelay" /staging/usr/local/bin/auditrelay \
    && strip --strip-debug /staging/usr/local/bin/auditrelay \
    && cp /usr/libexec/swift/linux/swift-backtrace-static /staging/usr/local/bin/swift-backtrace \
    && find -L "${BIN_DIR}/" -maxdepth 1 -name '*.resources' -exec cp -Ra {} /staging/usr/local/bin/ \; \
    && cp Config/container.yaml /staging/etc/auditrelay/auditrelay.yaml

# ---------------------------------------------------------------------------------------------
# Runtime stage: slim Debian with only the shared libraries the binary needs.
# ---------------------------------------------------------------------------------------------
FROM ${RUNTIME_IMAGE}

ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown

LABEL org.opencontainers.image.title="auditrelay" \
      org.opencontainers.image.description="SIEM forwarding sidecar: polls SaaS audit logs, normalizes, enriches with GeoIP and forwards to Kafka or syslog with an at-least-once spool" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.base.name="docker.io/library/debian:bookworm-slim"

# libcurl4 (vendor APIs), librdkafka1 (Kafka sink), ca-certificates (TLS to vendors, Kafka,
# syslog), tzdata (Foundation's TimeZone). Nothing else: no shell tools are added.
RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get -q update \
    && apt-get -q install -y --no-install-recommends libcurl4 librdkafka1 ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/* /var/log/apt /var/log/dpkg.log

# A fixed numeric uid/gid (10001) so Kubernetes `runAsNonRoot` can verify it and volume ownership
# (fsGroup) is predictable. /var/lib/auditrelay is the only writable path.
RUN groupadd --system --gid 10001 auditrelay \
    && useradd --system --uid 10001 --gid 10001 --no-create-home \
        --home-dir /var/lib/auditrelay --shell /usr/sbin/nologin auditrelay \
    && install -d -o 10001 -g 10001 -m 0750 /var/lib/auditrelay

COPY --from=build /staging/ /

# TMPDIR points at the volume because /tmp is on the read-only root filesystem (the Helm chart
# mounts an emptyDir on /tmp instead). SWIFT_BACKTRACE prints a symbolicated, non-interactive
# backtrace to stderr if the process ever crashes.
ENV TMPDIR=/var/lib/auditrelay \
    SWIFT_BACKTRACE="enable=yes,sanitize=yes,threads=all,images=all,interactive=no,swift-backtrace=/usr/local/bin/swift-backtrace"

VOLUME ["/var/lib/auditrelay"]
WORKDIR /var/lib/auditrelay
USER 10001:10001
EXPOSE 8686

# Docker-only liveness check (Kubernetes ignores HEALTHCHECK and uses the chart's probes).
# The slim base has no curl/wget, so this speaks HTTP/1.1 over bash's /dev/tcp and requires a
# `200` status line from /healthz. HEALTHCHECK_PORT must match the port of `http.listen`.
ENV HEALTHCHECK_PORT=8686
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${HEALTHCHECK_PORT} && printf 'GET /healthz HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q '^HTTP/1\\.[01] 200'"]

# SIGTERM starts a drain of in-flight batches; give `docker stop` a timeout >= the drain timeout.
STOPSIGNAL SIGTERM
ENTRYPOINT ["auditrelay"]
CMD ["run", "--config", "/etc/auditrelay/auditrelay.yaml"]
