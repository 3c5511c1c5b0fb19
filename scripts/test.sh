#!/usr/bin/env bash
# The whole test suite: unit, integration (real processes, rsyslog, Kafka mock cluster, MaxMind
# test databases) and packaging tests. Installs what it needs first. Exits non-zero on failure.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[[ -x /opt/swift/usr/bin/swift ]] && export PATH="/opt/swift/usr/bin:$PATH"
started=$SECONDS

scripts/install-deps.sh
for fetch in scripts/fetch-*-test-data.sh; do
    [[ -x "$fetch" ]] && "$fetch"
done

# One debug build serves the unit tests and the process-level tests (they run the built binaries).
swift build --build-tests

# Fault and crash suites run real peers and kill processes on purpose; their timing assertions
# (an outage must be noticed, a backlog must drain) are about the system under test, so they run
# one suite at a time instead of competing with the rest for the 2 cores. HTTP2Tests counts
# connections nghttpd saw and HTTPClientTests counts the look-alike's connections and how fast a
# cancelled transfer stops; under full-suite load the shared test process' curl handles can time
# out and reconnect, so they too run alone. CheckConnect (CheckConnectTests, CheckConnectKafkaTests,
# CheckConnectSyslogTests) times `check --connect` against silent hosts with a short --timeout.
# DemoScriptTests runs scripts/demo.sh on this debug build (look-alikes, Kafka mock cluster,
# auditrelay run; about 15 s). BenchPeersScriptTests runs scripts/bench-peers.sh --quick (auditrelay
# and rsyslog, 2,000 events each, into mock clusters; about 20 s). ClusterProcessTests runs three
# `auditrelay run` replicas in cluster mode, SIGKILLs and scales them, takes every broker down, and
# bounds the takeover time (about 2 minutes). ManySourcesProcessTests polls 200 sources in one process.
# SpoolRecordLogTests fills a 1 MiB tmpfs; its appends and GC run on the spool threads every spool
# in the test process shares, which other suites' spools can hold for seconds.
serial=(HTTP2Tests ManySourcesProcessTests SpoolRecordLogTests HTTPClientTests SpoolCrashTests SlowDiskProcessTests HostileResponseProcessTests KafkaCrashTests KafkaFaultTests RsyslogFaultTests GeoIPDatabaseTests SidecarTests PollMetricsExportTests StatusCommandTests PolledVendorCrashTests GitHubWebhookProcessTests SalesforceEventLogFileCrashTests CheckConnect DemoScriptTests BenchPeersScriptTests ClusterProcessTests)
skip=$(IFS='|'; echo "${serial[*]}|NetworkFaultTests")
swift test --skip-build --skip "$skip"
for suite in "${serial[@]}"; do
    swift test --skip-build --filter "$suite"
done
# Latency, loss and partitions in a network namespace of their own (skips where it cannot make one).
scripts/test-netfaults.sh

# Every fault at once against the debug binary built above: look-alikes failing and publishing late,
# Kafka brokers and rsyslog going down, the spool's tmpfs filling up, auditrelay SIGKILLed; then
# nothing may be missing from either sink (about 3 minutes including the drain).
scripts/chaos.sh --minutes 2

scripts/test-helm.sh
echo "test.sh: all suites passed in $((SECONDS - started)) s"
