#!/usr/bin/env bash
# Network fault tests (NetworkFaultTests): the real auditrelay, a vendor look-alike, librdkafka's
# mock cluster and rsyslogd in a network namespace of their own, with latency and loss (NFQUEUE
# and Tools/netfault-queue, as this machine's kernel may lack netem) and silent partitions
# (iptables DROP). Needs root, `ip netns`, iptables with NFQUEUE; prints SKIP and exits 0 when
# the machine cannot do that. Expects `swift build --build-tests` to have run (scripts/test.sh).
#   NETFAULT_PARTITION_SECONDS  how long the sinks are cut off (default 90)
#   NETFAULT_FILTER             another --filter, e.g. NetworkFaultTests/aVendorPartitioned
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[[ -x /opt/swift/usr/bin/swift ]] && export PATH="/opt/swift/usr/bin:$PATH"

skip() { echo "test-netfaults: SKIP: $*"; exit 0; }
[[ $(id -u) -eq 0 ]] || skip "needs root (network namespaces and iptables)"
command -v ip >/dev/null || skip "no ip command (iproute2)"
command -v iptables >/dev/null || skip "no iptables"
command -v rsyslogd >/dev/null || skip "no rsyslogd"

namespace="auditrelay-netfaults-$$"
cleanup() { ip netns del "$namespace" 2>/dev/null || true; }
trap cleanup EXIT
ip netns add "$namespace" 2>/dev/null || skip "cannot create a network namespace (ip netns add)"
in_namespace() { ip netns exec "$namespace" "$@"; }
in_namespace ip link set lo up
# A realistic MTU, so a lost packet is a 1500-byte segment rather than a 64 KiB loopback one.
in_namespace ip link set lo mtu 1500
in_namespace ip link set lo gso_max_size 1500 2>/dev/null || true
in_namespace iptables -w -A INPUT -p tcp --dport 9 -j DROP 2>/dev/null || skip "iptables cannot filter in a namespace"
in_namespace iptables -w -A INPUT -p tcp --dport 9 -j NFQUEUE --queue-num 7 2>/dev/null || skip "iptables has no NFQUEUE target"
in_namespace iptables -w -F INPUT
queue_tool="$(swift build --show-bin-path)/netfault-queue"
[[ -x "$queue_tool" ]] || { echo "test-netfaults: $queue_tool is not built (run swift build --build-tests)" >&2; exit 1; }
in_namespace "$queue_tool" -q 7 </dev/null | grep -q '^ready' || skip "cannot bind an NFQUEUE queue (no nfnetlink_queue in the kernel?)"

# The suite refuses to touch a namespace it was not given (see NetworkLab.isolated).
in_namespace env NETFAULT_NAMESPACE="$namespace" swift test --skip-build --filter "${NETFAULT_FILTER:-NetworkFaultTests}"
