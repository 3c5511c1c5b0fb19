// swift-tools-version:6.0
// auditrelay: sources -> normalize -> enrich -> spool -> sinks.
// One target per stage; the CLI wires them together.
import PackageDescription

let package = Package(
    name: "auditrelay",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "auditrelay", targets: ["AuditRelayCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.1"),
    ],
    targets: [
        // The normalized record, byte-level JSON, shared parsing (time, IP, ids), config reading,
        // and the protocols at every seam (source, normalizer, enricher, record log, sink).
        .target(
            name: "RelayCore",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // libcurl (Debian libcurl4-openssl-dev) and typed wrappers for its variadic calls.
        .systemLibrary(name: "CCurl", path: "Sources/CLibraries/CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .target(name: "CCurlShim", dependencies: ["CCurl"], path: "Sources/CLibraries/CCurlShim"),
        // The polling kit every vendor connector uses: HTTP on curl's multi interface, auth,
        // paging, rate limits, poll state, backfill/gaps, dedupe.
        .target(
            name: "Polling",
            dependencies: [
                "RelayCore", "CCurl", "CCurlShim", "COpenSSL",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Stage 1 without a vendor API: events replayed from files.
        .target(name: "Replay", dependencies: ["RelayCore"]),
        // Stage 2's kit: the normalized record's setters, behavior rules, page normalization.
        .target(name: "Normalizers", dependencies: ["RelayCore"]),
        // The push-source kit every vendor webhook uses: routing, bounded body reading, its own
        // hardened HTTP/1.1 listener, signature helpers, durable acknowledgement.
        .target(
            name: "Webhooks",
            dependencies: [
                "RelayCore", "COpenSSL",
                .product(name: "FlyingFox", package: "FlyingFox"),
                .product(name: "FlyingSocks", package: "FlyingFox"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Stages 1 and 2 per vendor, one folder each (Sources/Vendors/<Vendor>/: its poller, its
        // normalizer, its behavior table), and the catalog of every vendor.
        .target(
            name: "Vendors",
            dependencies: ["RelayCore", "Polling", "Webhooks", "Normalizers", .product(name: "Logging", package: "swift-log"), .product(name: "Crypto", package: "swift-crypto")]
        ),
        // Stage 3: GeoIP/ASN enrichment. GeoIP is the pure-Swift MaxMind DB reader (no dependencies).
        .target(name: "GeoIP"),
        .target(
            name: "Enrichment",
            dependencies: ["GeoIP", "RelayCore", .product(name: "Metrics", package: "swift-metrics")]
        ),
        // Stage 4: the durable spool (segmented log, CRC32C per record, group commit, ack watermarks).
        .target(name: "CCRC32C", path: "Sources/CLibraries/CCRC32C"),
        .target(name: "Spool", dependencies: ["CCRC32C"]),
        // librdkafka (Debian librdkafka-dev) for the Kafka sink; its mock cluster serves the tests.
        .systemLibrary(name: "CRdKafka", path: "Sources/CLibraries/CRdKafka"),
        // Stage 5: where records go.
        .target(
            name: "Sinks",
            dependencies: ["RelayCore", "CRdKafka", "COpenSSL", .product(name: "Logging", package: "swift-log")]
        ),
        // OpenSSL (libssl-dev) for the syslog sink's TLS transport.
        .systemLibrary(name: "COpenSSL", path: "Sources/CLibraries/COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        // Wiring: config -> components, the pipeline that moves batches between them.
        .target(
            name: "Relay",
            dependencies: [
                "RelayCore", "Replay", "Polling", "Vendors", "Webhooks", "Normalizers", "Enrichment", "Sinks", "Spool", "Cluster",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Cluster mode: replicas share the sources through a Kafka consumer group and mirror cursors
        // to a state topic. Model/ is the pure logic (partitioning, mirror gate, state records).
        .target(
            name: "Cluster",
            dependencies: ["RelayCore", "Polling", "CRdKafka", .product(name: "Logging", package: "swift-log"),
                           "Sinks", .product(name: "Metrics", package: "swift-metrics")]
        ),
        // Running as a sidecar: health/readiness/metrics endpoint, log format.
        .target(
            name: "Operations",
            dependencies: [
                "RelayCore",
                .product(name: "FlyingFox", package: "FlyingFox"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "AuditRelayCLI",
            dependencies: [
                "Relay", "RelayCore", "Replay", "Vendors", "Webhooks", "Normalizers", "Polling", "Operations", "Spool", "Enrichment", "GeoIP", "Cluster",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // Release: linked by lld with packed relative relocations (DT_RELR; glibc >= 2.36, the
            // image's bookworm) and without exporting every symbol (the static stdlib's default):
            // the loader no longer touches 2.5 MB of RELA entries and 1.8 MB of dynamic symbols at
            // start, 4 MiB less resident (README, Performance: idle).
            linkerSettings: [
                .unsafeFlags(["-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs", "-Xlinker", "--no-export-dynamic"],
                             .when(platforms: [.linux], configuration: .release)),
            ]
        ),

        // Benchmarks and test peers (Tools/<name>/, run by scripts/ and the tests; not products).
        .executableTarget(name: "geoip-bench", dependencies: ["GeoIP"], path: "Tools/geoip-bench"),
        .executableTarget(name: "normalize-bench", dependencies: ["Vendors", "Normalizers", "RelayCore"], path: "Tools/normalize-bench"),
        .executableTarget(name: "syslog-bench", dependencies: ["Sinks", "RelayCore"], path: "Tools/syslog-bench"),
        .executableTarget(name: "spool-torture", dependencies: ["Spool"], path: "Tools/spool-torture"),
        // Reads a CSV list-then-fetch stream through the polling kit and reports its peak memory.
        .executableTarget(name: "csv-stream-probe", dependencies: ["Polling", "RelayCore"], path: "Tools/csv-stream-probe"),
        // Record log -> Kafka sink -> mock cluster (scripts/bench-kafka.sh runs it next to kcat).
        .executableTarget(
            name: "kafka-sink-bench",
            dependencies: ["Relay", "RelayCore", "Sinks", "CRdKafka", .product(name: "Logging", package: "swift-log")],
            path: "Tools/kafka-sink-bench"
        ),
        // An N-broker librdkafka mock cluster as a process, fault commands on stdin.
        .executableTarget(name: "kafka-mock-cluster", path: "Tools/kafka-mock-cluster", linkerSettings: [.linkedLibrary("rdkafka")]),
        // Delay and random loss for packets an iptables NFQUEUE rule hands it (netem without sch_netem).
        .executableTarget(name: "netfault-queue", path: "Tools/netfault-queue", linkerSettings: [.linkedLibrary("netfilter_queue"), .linkedLibrary("nfnetlink")]),
        // Shared by the test targets that run real processes: where the repository and the built products are.
        .target(name: "TestHelpers", dependencies: ["CRdKafka"], path: "Tests/TestHelpers"),
        .testTarget(name: "RelayCoreTests", dependencies: ["RelayCore"]),
        .testTarget(name: "NormalizersTests", dependencies: ["Vendors", "Normalizers", "RelayCore"], resources: [.copy("Fixtures")]),
        .testTarget(name: "RelayTests", dependencies: ["Relay", "RelayCore", "Replay", "Vendors", "Normalizers", "Sinks"]),
        .testTarget(name: "CLITests", dependencies: ["TestHelpers"]),
        .testTarget(name: "OperationsTests", dependencies: ["Operations", "RelayCore"]),
        .testTarget(name: "SpoolTests", dependencies: ["Spool", "TestHelpers"]),
        .testTarget(name: "GeoIPTests", dependencies: ["GeoIP"]),
        .testTarget(name: "EnrichmentTests", dependencies: ["Enrichment", "GeoIP", "RelayCore"]),
        .testTarget(name: "KafkaTests", dependencies: ["Sinks", "Relay", "RelayCore", "Replay", "Vendors", "CRdKafka", "TestHelpers"]),
        .testTarget(
            name: "SyslogTests",
            dependencies: ["Sinks", "RelayCore", "Normalizers", "Vendors", "Replay", "Relay", "TestHelpers", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "PollingTests",
            dependencies: ["Polling", "RelayCore", "TestHelpers", .product(name: "Crypto", package: "swift-crypto"), .product(name: "_CryptoExtras", package: "swift-crypto"), .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(name: "ClusterTests", dependencies: ["Cluster", "Polling", "RelayCore", "TestHelpers", "Relay", .product(name: "Logging", package: "swift-log")]),
        .testTarget(
            name: "VendorsTests",
            dependencies: ["Vendors", "Replay", "Polling", "Webhooks", "Relay", "RelayCore", "Normalizers", "Sinks", "TestHelpers", .product(name: "Crypto", package: "swift-crypto"), .product(name: "Logging", package: "swift-log")]
        ),
    ]
)
