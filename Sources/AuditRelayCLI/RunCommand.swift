import ArgumentParser
import Logging
import Relay

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the pipeline.",
        discussion: "Polls every source, normalizes and enriches its events, spools them and delivers them to every sink. With --once: one poll cycle of every source, then drain everything to the sinks and exit 0 (non-zero if a source or sink kept failing)."
    )

    @Option(name: .long, help: "The config file (YAML).")
    var config: String

    @Flag(name: .long, help: "Poll each source until caught up, deliver everything, and exit.")
    var once = false

    func run() async throws {
        let configuration = try ConfigFile.load(config)
        let logger = Logging.makeLogger(level: configuration.logLevel)
        let pipeline = try RelayRuntime.makePipeline(configuration, logger: logger)
        do {
            let summary = try await pipeline.run(once: once)
            logger.info("run finished", metadata: ["polled": "\(summary.polledRecords)", "delivered": "\(summary.deliveredRecords)"])
        } catch let error as PipelineError {
            logger.error("run failed", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
    }
}

extension Logging {
    static func makeLogger(level: String) -> Logger {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = Logger.Level(rawValue: level) ?? .info
            return handler
        }
        return Logger(label: "auditrelay")
    }
}

enum Logging {}
