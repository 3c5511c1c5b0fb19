import ArgumentParser
import Relay

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate a config file.",
        discussion: "Exits 0 when the config is valid; otherwise prints every problem with its key path (e.g. `sources[2].interval: \"6O s\" is not a duration`) and exits 2. Secret values are never printed."
    )

    @Option(name: .long, help: "The config file (YAML).")
    var config: String

    func run() throws {
        let configuration = try ConfigFile.load(config)
        print("\(config): ok (\(configuration.sources.count) source\(configuration.sources.count == 1 ? "" : "s"), \(configuration.sinks.count) sink\(configuration.sinks.count == 1 ? "" : "s"))")
    }
}
