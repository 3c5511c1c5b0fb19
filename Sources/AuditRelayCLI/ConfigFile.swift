import ArgumentParser
import Relay
import RelayCore

/// Loads and validates a config file, printing every problem to stderr.
enum ConfigFile {
    static func load(_ path: String) throws -> RelayConfiguration {
        let value: ConfigValue
        do {
            value = try ConfigLoader.read(file: path)
        } catch {
            Terminal.error(error.description)
            throw ExitCode(2)
        }
        let (configuration, problems) = RelayConfiguration.parse(value, secrets: .live())
        guard let configuration else {
            Terminal.error("\(path): \(problems.count) problem\(problems.count == 1 ? "" : "s"):")
            for problem in problems { Terminal.error("  \(problem)") }
            throw ExitCode(2)
        }
        return configuration
    }
}

enum Terminal {
    static func error(_ message: String) {
        var line = Array(message.utf8)
        line.append(0x0A)
        _ = line.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}

#if canImport(Glibc)
import Glibc
#endif
