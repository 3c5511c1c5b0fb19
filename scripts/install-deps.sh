#!/usr/bin/env bash
# Installs the Debian packages auditrelay builds and tests with, only if something is missing.
# Idempotent; needs root (or sudo). Swift 6.3 itself must already be installed.
set -euo pipefail

packages=(
    libcurl4-openssl-dev librdkafka-dev kcat          # HTTP client, Kafka sink, Kafka test tool
    nghttp2-server                                    # nghttpd: an HTTP/2 peer for the HTTP client tests
    rsyslog rsyslog-gnutls rsyslog-openssl rsyslog-relp librelp-dev   # syslog sink peers
    rsyslog-kafka                                     # omkafka: rsyslog as a peer in scripts/bench-peers.sh
    libmaxminddb-dev mmdb-bin libmaxmind-db-writer-perl               # GeoIP reference + test DBs
    openssl libssl-dev python3-venv python3-pip ca-certificates
    curl                                              # the demo reads /metrics and the look-alikes' /_stats
    iproute2 iptables libnetfilter-queue-dev                          # network fault tests: netns, DROP, NFQUEUE
)

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
    echo "install-deps: installing ${missing[*]}"
    sudo_cmd=()
    [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v swift >/dev/null 2>&1; then
    if [[ -x /opt/swift/usr/bin/swift ]]; then
        echo "install-deps: swift is at /opt/swift/usr/bin; add it to PATH" >&2
    else
        echo "install-deps: Swift 6.3 is required (https://www.swift.org/install/linux/)" >&2
    fi
    exit 1
fi
