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
        .systemLibrary(name: "CCurl", path: "Sources/CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .target(name: "CCurlShim", dependencies: ["CCurl"], path: "Sources/CCurlShim"),
        // The polling kit every vendor connector uses: HTTP on curl's multi interface, auth,
        // paging, rate limits, poll state, backfill/gaps, dedupe.
        .target(
            name: "Polling",
            dependencies: [
                "RelayCore", "CCurl", "CCurlShim",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Stage 1: where raw vendor events come from (replay files; vendor API pollers).
        .target(name: "Connectors", dependencies: ["RelayCore", "Polling", .product(name: "Logging", package: "swift-log")]),
        // Stage 2: vendor event -> normalized record, one file per vendor.
        .target(name: "Normalizers", dependencies: ["RelayCore"]),
        // Stage 3: GeoIP/ASN enrichment. GeoIP is the pure-Swift MaxMind DB reader (no dependencies).
        .target(name: "GeoIP"),
        .target(
            name: "Enrichment",
            dependencies: ["GeoIP", "RelayCore", .product(name: "Metrics", package: "swift-metrics")]
        ),
        .executableTarget(name: "geoip-bench", dependencies: ["GeoIP"]),
        // Stage 4: the durable spool (segmented log, CRC32C per record, group commit, ack watermarks).
        .target(name: "CCRC32C"),
        .target(name: "Spool", dependencies: ["CCRC32C"]),
        .executableTarget(name: "spool-torture", dependencies: ["Spool"]),
        // librdkafka (Debian librdkafka-dev) for the Kafka sink; its mock cluster serves the tests.
        .systemLibrary(name: "CRdKafka", path: "Sources/CRdKafka"),
        // Stage 5: where records go.
        .target(
            name: "Sinks",
            dependencies: ["RelayCore", "CRdKafka", "COpenSSL", .product(name: "Logging", package: "swift-log")]
        ),
        // Test peer: an N-broker librdkafka mock cluster as a process, fault commands on stdin.
        .executableTarget(name: "kafka-mock-cluster", path: "Sources/kafka-mock-cluster", linkerSettings: [.linkedLibrary("rdkafka")]),
        // Benchmark: record log -> Kafka sink -> mock cluster (scripts/bench-kafka.sh runs it next to kcat).
        .executableTarget(
            name: "kafka-sink-bench",
            dependencies: ["Relay", "RelayCore", "Sinks", "CRdKafka", .product(name: "Logging", package: "swift-log")],
            path: "Sources/kafka-sink-bench"
        ),
        // OpenSSL (libssl-dev) for the syslog sink's TLS transport.
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        // Wiring: config -> components, the pipeline that moves batches between them.
        .target(
            name: "Relay",
            dependencies: [
                "RelayCore", "Connectors", "Normalizers", "Enrichment", "Sinks", "Spool",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
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
                "Relay", "RelayCore", "Connectors", "Normalizers", "Operations", "Spool", "Enrichment", "GeoIP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Benchmark: normalize throughput on one core (scripts/bench-normalize.sh).
        .executableTarget(name: "normalize-bench", dependencies: ["Normalizers", "RelayCore"]),
        // Sink-only syslog benchmark (scripts/bench-syslog.sh); release builds only, not a product.
        .executableTarget(name: "SyslogBench", dependencies: ["Sinks", "RelayCore"]),
        // Shared by the test targets that run real processes: where the repository and the built products are.
        .target(name: "TestHelpers", path: "Tests/TestHelpers"),
        .testTarget(name: "RelayCoreTests", dependencies: ["RelayCore"]),
        .testTarget(name: "NormalizersTests", dependencies: ["Normalizers", "RelayCore"], resources: [.copy("Fixtures")]),
        .testTarget(name: "RelayTests", dependencies: ["Relay", "RelayCore", "Connectors", "Normalizers", "Sinks"]),
        .testTarget(name: "CLITests", dependencies: ["TestHelpers"]),
        .testTarget(name: "OperationsTests", dependencies: ["Operations", "RelayCore"]),
        .testTarget(name: "SpoolTests", dependencies: ["Spool", "TestHelpers"]),
        .testTarget(name: "GeoIPTests", dependencies: ["GeoIP"]),
        .testTarget(name: "EnrichmentTests", dependencies: ["Enrichment", "GeoIP", "RelayCore"]),
        .testTarget(name: "KafkaTests", dependencies: ["Sinks", "Relay", "RelayCore", "Connectors", "CRdKafka", "TestHelpers"]),
        .testTarget(
            name: "SyslogTests",
            dependencies: ["Sinks", "RelayCore", "Normalizers", "Connectors", "Relay", "TestHelpers", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "PollingTests",
            dependencies: ["Polling", "RelayCore", .product(name: "Crypto", package: "swift-crypto"), .product(name: "_CryptoExtras", package: "swift-crypto"), .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "ConnectorsTests",
            dependencies: ["Connectors", "Polling", "Relay", "RelayCore", "Normalizers", "Sinks", "TestHelpers", .product(name: "Crypto", package: "swift-crypto"), .product(name: "Logging", package: "swift-log")]
        ),
    ]
)
