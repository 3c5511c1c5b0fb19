import RelayCore

#if canImport(Glibc)
import Glibc
#endif

extension SyslogSink {
    public enum Transport: String, Sendable, CaseIterable {
        case udp, tcp, tls, relp

        var defaultPort: Int {
            switch self {
            case .udp, .tcp: return 514
            case .tls: return 6514
            case .relp: return 2514
            }
        }
    }

    public struct TLSSettings: Sendable {
        /// PEM CA bundle that signs the server's certificate; nil: the system store.
        public var caFile: String?
        /// Client certificate chain and key (PEM) for mutual TLS.
        public var certificateFile: String?
        public var keyFile: String?
        /// Verify the server's certificate and that it names the host. Off only for tests.
        public var verify = true
        /// The name checked against the certificate (and sent as SNI); default: the URL's host.
        public var serverName: String?

        public init() {}
    }

    /// Config: `{type: syslog, url: "tcp://host:port", format: rfc5424|rfc3164, body: json|cef,
    /// framing: octet-counting|newline, facility, severity, hostname, maxMessageBytes, utf8BOM,
    /// tls: {ca, cert, key, verify, serverName}}`.
    public struct Configuration: Sendable {
        public var name: String
        public var transport: Transport = .tcp
        public var host = "127.0.0.1"
        public var port = 514
        public var format = SyslogFormatter.Format.rfc5424
        public var body = SyslogFormatter.Body.json
        public var framing = Framing.octetCounting
        /// Default 16 (local0): audit forwarders conventionally use a local facility the
        /// receiver can route on; RFC 5424's 13 ("log audit") has no name in most receivers.
        public var facility = 16
        /// Default 6 (info).
        public var severity = 6
        public var hostname = Configuration.machineHostname()
        public var maxMessageBytes = 8192
        public var utf8BOM = false
        public var tls = TLSSettings()
        public var connectTimeout: Duration = .seconds(10)
        /// A send or an acknowledgement that takes longer fails the delivery (then retried).
        public var ioTimeout: Duration = .seconds(30)

        public init(name: String, transport: Transport, host: String, port: Int) {
            self.name = name
            self.transport = transport
            self.host = host
            self.port = port
            maxMessageBytes = transport == .udp ? 2048 : 8192
        }

        public init(_ section: ConfigSection, name: String) {
            self.name = name
            let url = section.requiredString("url")
            if !url.isEmpty {
                if let parsed = Self.parseURL(url) {
                    (transport, host, port) = parsed
                } else {
                    section.report("url", "\(section.quoted("url")) is not a syslog URL (use udp://, tcp://, tls:// or relp:// followed by host:port)")
                }
            }
            format = SyslogFormatter.Format(rawValue: section.choice("format", SyslogFormatter.Format.allCases.map(\.rawValue), default: "rfc5424")) ?? .rfc5424
            body = SyslogFormatter.Body(rawValue: section.choice("body", SyslogFormatter.Body.allCases.map(\.rawValue), default: "json")) ?? .json
            framing = Framing(rawValue: section.choice("framing", ["octet-counting", "newline"], default: "octet-counting")) ?? .octetCounting
            if section.has("framing") && transport == .tls && framing != .octetCounting {
                section.report("framing", "TLS syslog requires octet-counting (RFC 5425)")
            }
            if section.has("framing") && (transport == .udp || transport == .relp) {
                section.report("framing", "applies only to tcp:// and tls:// (UDP sends one message per datagram, RELP frames its own)")
            }
            facility = Self.code(section, "facility", names: Self.facilities, default: 16, max: 23)
            severity = Self.code(section, "severity", names: Self.severities, default: 6, max: 7)
            hostname = section.string("hostname", default: hostname)
            maxMessageBytes = section.integer("maxMessageBytes", default: transport == .udp ? 2048 : 8192,
                                              range: transport == .udp ? 480...65000 : 480...16 << 20)
            utf8BOM = section.bool("utf8BOM", default: false)
            connectTimeout = section.duration("connectTimeout", default: connectTimeout)
            ioTimeout = section.duration("ioTimeout", default: ioTimeout)
            if let tlsSection = section.section("tls") {
                if transport != .tls { section.report("tls", "applies only to tls:// URLs") }
                tls.caFile = tlsSection.string("ca")
                tls.certificateFile = tlsSection.string("cert")
                tls.keyFile = tlsSection.string("key")
                tls.verify = tlsSection.bool("verify", default: true)
                tls.serverName = tlsSection.string("serverName")
                if (tls.certificateFile == nil) != (tls.keyFile == nil) {
                    tlsSection.report(tls.certificateFile == nil ? "cert" : "key", "cert and key must be given together")
                }
                tlsSection.finish()
            }
        }

        /// `scheme://host:port`, `scheme://host` (default port) or `scheme://[v6]:port`.
        public static func parseURL(_ url: String) -> (Transport, String, Int)? {
            guard let schemeEnd = url.range(of: "://"),
                  let transport = Transport(rawValue: url[..<schemeEnd.lowerBound].lowercased()) else { return nil }
            var rest = Substring(url[schemeEnd.upperBound...])
            if rest.hasSuffix("/") { rest = rest.dropLast() }
            var host: Substring
            var portText: Substring?
            if rest.hasPrefix("[") {
                guard let close = rest.firstIndex(of: "]") else { return nil }
                host = rest[rest.index(after: rest.startIndex)..<close]
                let after = rest[rest.index(after: close)...]
                if !after.isEmpty {
                    guard after.hasPrefix(":") else { return nil }
                    portText = after.dropFirst()
                }
            } else if let colon = rest.lastIndex(of: ":") {
                host = rest[..<colon]
                portText = rest[rest.index(after: colon)...]
            } else {
                host = rest
            }
            guard !host.isEmpty, !host.contains("/") else { return nil }
            var port = transport.defaultPort
            if let portText {
                guard let number = Int(portText), (1...65535).contains(number) else { return nil }
                port = number
            }
            return (transport, String(host), port)
        }

        static func code(_ section: ConfigSection, _ key: String, names: [String: Int], default fallback: Int, max: Int) -> Int {
            guard let text = section.string(key) else { return fallback }
            if let number = Int(text), (0...max).contains(number) { return number }
            if let code = names[text.lowercased()] { return code }
            section.report(key, "\(section.quoted(key)) is not a \(key) name or a number 0...\(max)")
            return fallback
        }

        static let facilities: [String: Int] = [
            "kern": 0, "user": 1, "mail": 2, "daemon": 3, "auth": 4, "syslog": 5, "lpr": 6, "news": 7,
            "uucp": 8, "cron": 9, "authpriv": 10, "ftp": 11, "ntp": 12, "audit": 13, "security": 13,
            "alert": 14, "console": 14, "clock": 15, "local0": 16, "local1": 17, "local2": 18, "local3": 19,
            "local4": 20, "local5": 21, "local6": 22, "local7": 23,
        ]

        static let severities: [String: Int] = [
            "emerg": 0, "emergency": 0, "panic": 0, "alert": 1, "crit": 2, "critical": 2, "err": 3, "error": 3,
            "warning": 4, "warn": 4, "notice": 5, "info": 6, "informational": 6, "debug": 7,
        ]

        static func machineHostname() -> String {
            var buffer = [CChar](repeating: 0, count: 256)
            guard gethostname(&buffer, buffer.count - 1) == 0 else { return "-" }
            return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }
}
