import Testing
import RelayCore
@testable import Sinks

@Suite struct SyslogConfigurationTests {
    func parse(_ pairs: [(String, ConfigValue)]) -> (SyslogSink.Configuration, [String]) {
        let diagnostics = ConfigDiagnostics()
        let section = ConfigSection(path: "sinks[0]", value: .map(pairs.map { (key: $0.0, value: $0.1) }), diagnostics: diagnostics,
                                    secrets: SecretResolver(environment: [:]))
        let configuration = SyslogSink.Configuration(section, name: "siem")
        section.finish()
        return (configuration, diagnostics.problems.map(\.description))
    }

    @Test func defaultsFollowTheTransport() {
        let (tcp, tcpProblems) = parse([("url", .scalar("tcp://siem.example:1514"))])
        #expect(tcpProblems.isEmpty)
        #expect(tcp.transport == .tcp && tcp.host == "siem.example" && tcp.port == 1514)
        #expect(tcp.format == .rfc5424 && tcp.body == .json && tcp.framing == .octetCounting)
        #expect(tcp.facility == 16 && tcp.severity == 6 && tcp.maxMessageBytes == 8192 && !tcp.utf8BOM)
        #expect(parse([("url", .scalar("udp://h"))]).0.maxMessageBytes == 2048)
        #expect(parse([("url", .scalar("udp://h"))]).0.port == 514)
        #expect(parse([("url", .scalar("tls://h"))]).0.port == 6514)
        #expect(parse([("url", .scalar("relp://h"))]).0.port == 2514)
        let v6 = parse([("url", .scalar("relp://[::1]:2600"))]).0
        #expect(v6.host == "::1" && v6.port == 2600)
    }

    @Test func namesAndNumbersForFacilityAndSeverity() {
        let (named, problems) = parse([("url", .scalar("tcp://h:1")), ("facility", .scalar("authpriv")), ("severity", .scalar("warning"))])
        #expect(problems.isEmpty && named.facility == 10 && named.severity == 4)
        let numbered = parse([("url", .scalar("tcp://h:1")), ("facility", .scalar("23")), ("severity", .scalar("0"))]).0
        #expect(numbered.facility == 23 && numbered.severity == 0)
    }

    @Test func problemsNameTheKey() {
        let (_, problems) = parse([
            ("url", .scalar("tls://h:1")), ("framing", .scalar("newline")), ("facility", .scalar("local9")),
            ("severity", .scalar("8")), ("maxMessageBytes", .scalar("100")), ("tls", .map([("cert", .scalar("/c.pem"))])), ("colour", .scalar("red")),
        ])
        #expect(problems == [
            "sinks[0].framing: TLS syslog requires octet-counting (RFC 5425)",
            #"sinks[0].facility: "local9" is not a facility name or a number 0...23"#,
            #"sinks[0].severity: "8" is not a severity name or a number 0...7"#,
            #"sinks[0].maxMessageBytes: "100" is out of range 480...16777216"#,
            "sinks[0].tls.key: cert and key must be given together",
            "sinks[0].colour: unknown key",
        ])
        #expect(parse([("url", .scalar("http://h:1"))]).1 == [#"sinks[0].url: "http://h:1" is not a syslog URL (use udp://, tcp://, tls:// or relp:// followed by host:port)"#])
        #expect(parse([("url", .scalar("tcp://h:99999"))]).1.count == 1)
        #expect(parse([("url", .scalar("udp://h:1")), ("framing", .scalar("newline"))]).1.count == 1)
    }

    @Test func tlsSettings() {
        let (configuration, problems) = parse([
            ("url", .scalar("tls://10.0.0.5:6514")),
            ("tls", .map([("ca", .scalar("/ca.pem")), ("cert", .scalar("/c.pem")), ("key", .scalar("/k.pem")), ("verify", .scalar("false"))])),
        ])
        #expect(problems.isEmpty)
        #expect(configuration.tls.caFile == "/ca.pem" && configuration.tls.certificateFile == "/c.pem" && configuration.tls.keyFile == "/k.pem")
        #expect(!configuration.tls.verify)
    }
}
