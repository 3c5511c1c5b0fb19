import ArgumentParser

@main
struct AuditRelay: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "auditrelay",
        abstract: "Forward SaaS audit logs to your SIEM: poll vendor APIs, normalize, enrich with GeoIP, spool, deliver to Kafka or syslog.",
        discussion: """
            Data flow: sources -> normalize -> enrich -> spool -> sinks.

            Start with `auditrelay check --config FILE` to validate a config (add --connect to
            try every source and sink with it), then `auditrelay run --config FILE`. `auditrelay normalize` turns raw vendor events
            from stdin into normalized records without any config.
            """,
        version: version,
        subcommands: [RunCommand.self, CheckCommand.self, NormalizeCommand.self, LookupCommand.self, SpoolCommand.self, CursorCommand.self, StatusCommand.self, VersionCommand.self]
    )
}

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print the version.")
    func run() { print("auditrelay \(AuditRelay.version)") }
}
