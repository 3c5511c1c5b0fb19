import Testing
@testable import RelayCore

@Suite struct ConfigSectionTests {
    struct MissingFile: Error, CustomStringConvertible { var description: String { "No such file or directory" } }

    func section(_ value: ConfigValue, environment: [String: String] = [:], files: [String: String] = [:]) -> ConfigSection {
        let resolver = SecretResolver(environment: environment) { path in
            guard let content = files[path] else { throw MissingFile() }
            return content
        }
        return ConfigSection(path: "sources[2]", value: value, diagnostics: ConfigDiagnostics(), secrets: resolver)
    }

    @Test func typedGettersAndUnknownKeys() {
        let config = section(.map([
            ("interval", .scalar("6O s")), ("size", .scalar("512MiB")), ("n", .scalar("1_000")),
            ("flag", .scalar("maybe")), ("intervall", .scalar("5m")), ("mode", .scalar("fast")),
        ]))
        #expect(config.duration("interval", default: .seconds(60)) == .seconds(60))
        #expect(config.byteSize("size", default: 0) == 512 << 20)
        #expect(config.integer("n", default: 0) == 1000)
        #expect(config.bool("flag", default: true) == true)
        _ = config.choice("mode", ["slow", "safe"], default: "safe")
        _ = config.requiredString("id")
        config.finish()
        #expect(config.diagnostics.problems.map(\.description) == [
            #"sources[2].interval: "6O s" is not a duration (use e.g. 500ms, 60s, 5m, 2h, 7d)"#,
            #"sources[2].flag: "maybe" is not a boolean"#,
            #"sources[2].mode: "fast" is not one of slow, safe"#,
            "sources[2].id: is required",
            "sources[2].intervall: unknown key",
        ])
    }

    @Test func secretsResolveAndNeverPrint() throws {
        let config = section(.map([
            ("token", .scalar("${env:OKTA_TOKEN}")), ("secret", .scalar("${file:/run/secrets/c1}")),
            ("missing", .scalar("${file:/run/secrets/nope}")), ("unset", .scalar("${env:NOPE}")), ("odd", .scalar("${vault:x}")),
        ]), environment: ["OKTA_TOKEN": "tok-123"], files: ["/run/secrets/c1": "s3cr3t\n"])
        let token = try #require(config.secret("token"))
        #expect(token.reveal() == "tok-123")
        #expect("\(token)" == "<redacted>")
        #expect(String(describing: token) == "<redacted>")
        #expect(String(reflecting: token) == "<redacted>")
        #expect(config.secret("secret")?.reveal() == "s3cr3t")
        #expect(config.secret("missing") == nil)
        #expect(config.secret("unset") == nil)
        #expect(config.secret("odd") == nil)
        let messages = config.diagnostics.problems.map(\.description)
        #expect(messages == [
            "sources[2].missing: secret file /run/secrets/nope cannot be read: No such file or directory",
            "sources[2].unset: environment variable NOPE is not set",
            "sources[2].odd: unknown reference ${vault:x}: use ${env:NAME} or ${file:/path}",
        ])
        #expect(!messages.joined().contains("tok-123") && !messages.joined().contains("s3cr3t"))
    }

    @Test(arguments: [("500ms", 0.5), ("60s", 60), ("5m", 300), ("2h", 7200), ("7d", 604_800), ("1h30m", 5400), ("1.5s", 1.5)])
    func durations(text: String, seconds: Double) throws {
        #expect(try #require(ConfigUnits.duration(text)).seconds == seconds)
    }

    @Test func badUnits() {
        for text in ["", "s", "5", "5 parsecs", "-1s", "1e3s"] { #expect(ConfigUnits.duration(text) == nil, "\(text)") }
        #expect(ConfigUnits.byteSize("64KiB") == 65536)
        #expect(ConfigUnits.byteSize("1GB") == 1_000_000_000)
        #expect(ConfigUnits.byteSize("4096") == 4096)
        for text in ["", "MiB", "12 parsecs", "99999999999999999999"] { #expect(ConfigUnits.byteSize(text) == nil, "\(text)") }
    }

    @Test func structureErrors() {
        let config = section(.map([("sinks", .scalar("stdout")), ("x", .map([("a", .scalar("1")), ("a", .scalar("2"))]))]))
        #expect(config.sections("sinks").isEmpty)
        _ = config.section("x")
        #expect(config.diagnostics.problems.map(\.description) == [
            "sources[2].sinks: expected a list, found a scalar",
            "sources[2].x.a: duplicate key",
        ])
    }

    @Test func backoffGrowsAndCaps() {
        var backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(2))
        let delays = (0..<10).map { _ in backoff.nextDelay().seconds }
        #expect(delays[0] >= 0.05 && delays[0] <= 0.1)
        #expect(delays[3] >= 0.4 && delays[3] <= 0.8)
        #expect(delays[9] >= 1 && delays[9] <= 2)
        backoff.reset()
        #expect(backoff.nextDelay().seconds <= 0.1)
    }
}
