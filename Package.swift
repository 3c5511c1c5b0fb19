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
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Stage 1: where raw vendor events come from (replay files; vendor API pollers).
        .target(name: "Connectors", dependencies: ["RelayCore", "Polling", .product(name: "Logging", package: "swift-log")]),
        // Stage 2: vendor event -> normalized record, one file per vendor.
        .target(name: "Normalizers", dependencies: ["RelayCore"]),
        // Stage 5: where records go.
        .target(name: "Sinks", dependencies: ["RelayCore"]),
        // Wiring: config -> components, the pipeline that moves batches between them.
        .target(
            name: "Relay",
            dependencies: [
                "RelayCore", "Connectors", "Normalizers", "Sinks",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "AuditRelayCLI",
            dependencies: [
                "Relay", "RelayCore", "Normalizers",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "RelayCoreTests", dependencies: ["RelayCore"]),
        .testTarget(name: "NormalizersTests", dependencies: ["Normalizers", "RelayCore"], resources: [.copy("Fixtures")]),
        .testTarget(name: "RelayTests", dependencies: ["Relay", "RelayCore", "Connectors", "Normalizers", "Sinks"]),
        .testTarget(name: "CLITests", dependencies: []),
        .testTarget(
            name: "PollingTests",
            dependencies: ["Polling", "RelayCore", .product(name: "Crypto", package: "swift-crypto"), .product(name: "_CryptoExtras", package: "swift-crypto"), .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "ConnectorsTests",
            dependencies: ["Connectors", "Polling", "Relay", "RelayCore", "Normalizers", "Sinks", .product(name: "Crypto", package: "swift-crypto"), .product(name: "Logging", package: "swift-log")]
        ),
    ]
)
