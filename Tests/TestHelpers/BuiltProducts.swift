import Foundation

/// Where the repository and the executables built with the tests are, for the tests that run
/// real processes (the `auditrelay` binary, `spool-torture`, `kafka-mock-cluster`).
public enum BuiltProducts {
    /// The repository root (this file is `Tests/TestHelpers/BuiltProducts.swift`).
    public static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// The executable `name` from the same build as the test bundle: beside the bundle or a few
    /// directories up (SwiftPM puts products beside it on Linux), else `.build/debug/<name>`.
    /// The environment variable `override`, when set, wins (e.g. `AUDITRELAY_BIN` for a release build).
    public static func path(_ name: String, override: String? = nil) -> String {
        candidates(name, override: override).first { FileManager.default.isExecutableFile(atPath: $0) }
            ?? "\(repositoryRoot)/.build/debug/\(name)"
    }

    /// Like `path`, but throws naming every place searched when the product was not built.
    public static func require(_ name: String, override: String? = nil) throws -> String {
        let searched = candidates(name, override: override)
        guard let found = searched.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw MissingProduct(name: name, searched: searched)
        }
        return found
    }

    private static func candidates(_ name: String, override: String?) -> [String] {
        var paths: [String] = []
        if let override, let value = ProcessInfo.processInfo.environment[override] { paths.append(value) }
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            paths.append(directory.appendingPathComponent(name).path)
            directory = directory.deletingLastPathComponent()
        }
        paths.append("\(repositoryRoot)/.build/debug/\(name)")
        return paths
    }

    public struct MissingProduct: Error, CustomStringConvertible {
        public var name: String
        public var searched: [String]
        public var description: String {
            "\(name) is not built (run `swift build --build-tests` first); searched \(searched.joined(separator: ", "))"
        }
    }

    /// A fresh directory under the system temporary directory; the caller removes it.
    public static func temporaryDirectory(_ prefix: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID())").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
