import ArgumentParser
import Relay
import Spool

struct SpoolCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spool",
        abstract: "Look at the on-disk spool.",
        subcommands: [InspectCommand.self]
    )

    struct InspectCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "inspect",
            abstract: "Print per-segment and per-sink state of the spool named in a config.",
            discussion: "Reads the spool directory without taking its lock, so it works while `auditrelay run` is running."
        )

        @Option(name: .long, help: "The config file (YAML).")
        var config: String

        func run() throws {
            let configuration = try ConfigFile.load(config)
            do {
                print(try Spool.inspect(configuration: RelayRuntime.spoolConfiguration(configuration)).description)
            } catch {
                Terminal.error("cannot inspect the spool at \(configuration.spool.directory): \(error)")
                throw ExitCode(1)
            }
        }
    }
}
