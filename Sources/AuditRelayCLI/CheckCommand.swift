import ArgumentParser
import Relay
import RelayCore

struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate a config file; with --connect, also try every source and sink.",
        discussion: """
            Exits 0 when the config is valid; otherwise prints every problem with its key path (e.g. \
            `sources[2].interval: "6O s" is not a duration`) and exits 2. Secret values are never printed.

            --connect also makes one real, cheap call per source and per sink, all at once, each within \
            --timeout: a polled source's smallest page (reachable, TLS, authenticated, permission to read \
            each stream, the newest event, clock skew from the server's Date, rate-limit headroom), a webhook \
            source's listen address, Kafka metadata and the topics the sources' records go to, a syslog \
            connection (TLS handshake, RELP session), a file sink's path, and every GeoIP database (verified, \
            with its build date). Each failure is followed by its fix on one line. Exits 0 when every check \
            passes, 1 when one fails.
            """
    )

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case table, json
    }

    @Option(name: .long, help: "The config file (YAML).")
    var config: String

    @Flag(name: .long, help: "Also connect to every source and sink and report what works.")
    var connect = false

    @Option(name: .long, help: "With --connect: the limit for each check (e.g. 10s, 500ms; a bare number is seconds).")
    var timeout = "10s"

    @Option(name: .long, help: "With --connect: table or json.")
    var format: OutputFormat = .table

    func validate() throws {
        if !connect && (format != .table || timeout != "10s") {
            throw ValidationError("--format and --timeout apply to --connect only")
        }
        guard let limit = Self.duration(timeout), limit > .zero else {
            throw ValidationError("--timeout \"\(timeout)\" is not a duration (use e.g. 10s, 500ms, 1m)")
        }
    }

    func run() async throws {
        let configuration = try ConfigFile.load(config)
        guard connect else {
            let cluster = configuration.cluster.map { ", cluster group \($0.group)" } ?? ""
            print("\(config): ok (\(configuration.sources.count) source\(configuration.sources.count == 1 ? "" : "s"), \(configuration.sinks.count) sink\(configuration.sinks.count == 1 ? "" : "s")\(cluster))")
            return
        }
        let report = await ConnectionCheck(configuration: configuration, timeout: Self.duration(timeout) ?? .seconds(10)).run()
        print(format == .json ? report.json() : report.table())
        if !report.passed { throw ExitCode(1) }
    }

    static func duration(_ text: String) -> Duration? {
        if let seconds = Double(text), seconds.isFinite { return .milliseconds(Int64(seconds * 1000)) }
        return ConfigUnits.duration(text)
    }
}
