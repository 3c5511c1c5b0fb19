import ArgumentParser
import Polling
import Relay
import RelayCore
import Spool

struct CursorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cursor",
        abstract: "Show or move where each polled source stands (its committed cursor in the spool).",
        subcommands: [Show.self, Reset.self]
    )

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print each stream's committed position: time watermark, vendor token (as a hash), last success.",
            discussion: "Reads the spool without taking its lock, so it works while `auditrelay run` is running."
        )

        @Option(name: .long, help: "The config file (YAML).")
        var config: String

        @Argument(help: "Only this source id.")
        var source: String?

        func run() throws {
            let configuration = try ConfigFile.load(config)
            let sources = try CursorCommand.sources(configuration, only: source)
            let inspection: SpoolInspection
            do {
                inspection = try Spool.inspect(configuration: RelayRuntime.spoolConfiguration(configuration))
            } catch {
                Terminal.error("cannot read the spool at \(configuration.spool.directory): \(error)")
                throw ExitCode(1)
            }
            for source in sources {
                print("\(source.definition.id) (\(source.type))")
                guard let committed = inspection.cursors[source.definition.id] else {
                    print("  no committed cursor: the next run starts from the backfill setting")
                    continue
                }
                guard let cursor = SourceCursor(decoding: committed, defaultStream: CursorCommand.streamNames(source).first ?? "") else {
                    print("  \(committed)")  // not a polled source (a replay file position)
                    continue
                }
                for line in cursor.report() { print("  \(line)") }
            }
        }
    }

    struct Reset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move a source (or one of its streams) to start again at a time.",
            discussion: """
                Refuses while another process (a running `auditrelay run`) holds the spool's lock: stop it first.
                Events from TIME on are fetched again; those still in the dedupe window are not delivered twice.
                """
        )

        @Option(name: .long, help: "The config file (YAML).")
        var config: String

        @Argument(help: "The source id.")
        var source: String

        @Option(name: .long, help: "Only this stream of the source.")
        var stream: String?

        @Option(name: .long, help: "Where to start: an RFC 3339 time, or a duration ago (24h, 7d).")
        var to: String

        func run() async throws {
            let configuration = try ConfigFile.load(config)
            guard let definition = try CursorCommand.sources(configuration, only: source).first else { return }
            let names = CursorCommand.streamNames(definition)
            guard !names.isEmpty else {
                Terminal.error("\(source) is not a polled source; its position cannot be reset by time")
                throw ExitCode(2)
            }
            if let stream, !names.contains(stream) {
                Terminal.error("\(source) has no stream \"\(stream)\" (its streams: \(names.joined(separator: ", ")))")
                throw ExitCode(2)
            }
            guard let backfill = Backfill(to), backfill != Backfill.none else {
                Terminal.error("--to \"\(to)\" is not an RFC 3339 time or a duration (24h, 7d)")
                throw ExitCode(2)
            }
            let time = backfill.start(now: .now()).wholeSeconds
            let spool: Spool
            do {
                spool = try Spool(configuration: RelayRuntime.spoolConfiguration(configuration))
            } catch let error as SpoolError where error.isLocked {
                Terminal.error("refusing to move the cursor: \(error); stop that process first")
                throw ExitCode(1)
            }
            defer { spool.close() }
            var cursor = spool.committedCursor(source: source).flatMap { SourceCursor(decoding: $0, defaultStream: names[0]) } ?? SourceCursor()
            for name in names where cursor.streams[name] == nil { cursor.streams[name] = PollState(since: time, floor: time) }
            cursor.reset(stream: stream, to: time)
            try await spool.append([[UInt8]](), cursor: (source, cursor.encoded))
            print("\(source): \(stream.map { "stream \($0)" } ?? "every stream") starts again at \(time)")
            for line in cursor.report() { print("  \(line)") }
        }
    }

    /// The configured sources, or the one named (an unknown id is an error naming the known ones).
    static func sources(_ configuration: RelayConfiguration, only id: String?) throws -> [RelayConfiguration.Source] {
        guard let id else { return configuration.sources }
        let matching = configuration.sources.filter { $0.definition.id == id }
        if matching.isEmpty {
            Terminal.error("no source \"\(id)\" in the config (sources: \(configuration.sources.map(\.definition.id).joined(separator: ", ")))")
            throw ExitCode(2)
        }
        return matching
    }

    /// The stream names of a polled source; empty for other sources.
    static func streamNames(_ source: RelayConfiguration.Source) -> [String] {
        guard let vendor = source.definition as? any PolledVendor, let streams = try? vendor.streams() else { return [] }
        return streams.map(\.stream)
    }
}
