import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A real rsyslogd run in the foreground for one test: generated config, its own work directory,
/// an ephemeral loopback port, every received message written raw (`%rawmsg%`) to one line of
/// `out.log`. `stop()` (also called from deinit) SIGKILLs it, so no child outlives its test.
public final class RsyslogServer: @unchecked Sendable {
    public enum Input: Equatable {
        case udp, tcp, relp
        /// imtcp over TLS with rsyslog's GnuTLS (`gtls`) or OpenSSL (`ossl`) network stream driver;
        /// with `requireClientCertificate` the server asks for and checks a client certificate.
        case tls(driver: String, requireClientCertificate: Bool)
    }

    public let input: Input
    public let directory: URL
    public let port: Int
    public var outputPath: String { directory.appendingPathComponent("out.log").path }
    private var process: Process?
    private let lock = NSLock()

    public init(_ input: Input, pki: TestPKI? = nil) throws {
        self.input = input
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("rsyslog-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("work"), withIntermediateDirectories: true)
        guard let free = Loopback.freePort(datagram: input == .udp) else { throw TestFailure("cannot bind an ephemeral port") }
        port = free
        try config(pki: pki).write(to: directory.appendingPathComponent("rsyslog.conf"), atomically: true, encoding: .utf8)
        try start()
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }

    public static let moduleDirectory: String? = [
        "/usr/lib/x86_64-linux-gnu/rsyslog", "/usr/lib/aarch64-linux-gnu/rsyslog", "/usr/lib64/rsyslog", "/usr/lib/rsyslog",
    ].first { FileManager.default.fileExists(atPath: $0 + "/imtcp.so") }

    private func config(pki: TestPKI?) -> String {
        let work = directory.appendingPathComponent("work").path
        var global = #"global(workDirectory="\#(work)" maxMessageSize="256k" parser.escapeControlCharactersOnReceive="off""#
        var lines: [String] = []
        switch input {
        case .udp:
            lines.append(#"module(load="imudp")"#)
            lines.append(#"input(type="imudp" address="127.0.0.1" port="\#(port)" ruleset="received")"#)
        case .tcp:
            lines.append(#"module(load="imtcp" maxSessions="100")"#)
            lines.append(#"input(type="imtcp" address="127.0.0.1" port="\#(port)" ruleset="received")"#)
        case .relp:
            lines.append(#"module(load="imrelp")"#)
            lines.append(#"input(type="imrelp" address="127.0.0.1" port="\#(port)" maxDataSize="256k" ruleset="received")"#)
        case .tls(let driver, let requireClient):
            if let pki {
                global += #" defaultNetstreamDriverCAFile="\#(pki.caFile)" defaultNetstreamDriverCertFile="\#(pki.serverCertificate)" defaultNetstreamDriverKeyFile="\#(pki.serverKey)""#
            }
            let auth = requireClient ? "x509/certvalid" : "anon"
            lines.append(#"module(load="imtcp" maxSessions="100" streamDriver.name="\#(driver)" streamDriver.mode="1" streamDriver.authMode="\#(auth)")"#)
            lines.append(#"input(type="imtcp" address="127.0.0.1" port="\#(port)" ruleset="received")"#)
        }
        return """
            \(global))
            # Direct: the input thread writes the file before it returns (and before RELP answers 200),
            # so a SIGKILL loses only what rsyslog never took.
            main_queue(queue.type="Direct")
            template(name="raw" type="string" string="%rawmsg%\\n")
            \(lines.joined(separator: "\n"))
            ruleset(name="received") {
                action(type="omfile" file="\(outputPath)" template="raw")
            }
            action(type="omfile" file="\(directory.appendingPathComponent("rsyslog-internal.log").path)")

            """
    }

    /// Starts rsyslogd and waits until it accepts messages.
    public func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/rsyslogd")
        var arguments = ["-n", "-f", directory.appendingPathComponent("rsyslog.conf").path,
                         "-i", directory.appendingPathComponent("rsyslogd.pid").path]
        if let moduleDirectory = Self.moduleDirectory { arguments += ["-M", moduleDirectory] }
        process.arguments = arguments
        let log = FileHandle(forWritingAtPath: "/dev/null")
        process.standardOutput = log
        process.standardError = log
        try process.run()
        lock.lock()
        self.process = process
        lock.unlock()
        try waitUntilReady()
    }

    /// SIGKILL and wait for it to exit. Safe to call twice.
    public func stop() {
        lock.lock()
        let running = process
        process = nil
        lock.unlock()
        guard let running, running.isRunning else { return }
        kill(running.processIdentifier, SIGKILL)
        running.waitUntilExit()
    }

    public var isRunning: Bool {
        lock.lock()
        defer { lock.unlock() }
        return process?.isRunning ?? false
    }

    private func waitUntilReady() throws {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            guard isRunning else { throw TestFailure("rsyslogd exited at start; config:\n\((try? String(contentsOf: directory.appendingPathComponent("rsyslog.conf"), encoding: .utf8)) ?? "")") }
            if input == .udp {
                // Readiness for UDP: a probe datagram shows up in the output.
                sendProbeDatagram()
                if (try? String(contentsOfFile: outputPath, encoding: .utf8))?.contains("probe") == true { return }
            } else if Loopback.accepts(port: port) {
                return
            }
            usleep(50_000)
        }
        throw TestFailure("rsyslogd did not start listening on port \(port) within 10s")
    }

    /// Raw received messages (one per line), in arrival order.
    public func receivedLines() -> [[UInt8]] {
        guard let data = FileManager.default.contents(atPath: outputPath) else { return [] }
        return Array(data).split(separator: 0x0A, omittingEmptySubsequences: true).map(Array.init).filter { !$0.starts(with: Array("<14>probe".utf8)) }
    }

    /// Waits until at least `count` messages arrived (or `timeout`), returns them.
    public func waitForLines(_ count: Int, timeout: TimeInterval = 20) async throws -> [[UInt8]] {
        let deadline = Date().addingTimeInterval(timeout)
        var lines = receivedLines()
        while lines.count < count && Date() < deadline {
            try await Task.sleep(for: .milliseconds(50))
            lines = receivedLines()
        }
        return lines
    }

    /// Waits until the output stops growing for `quiet`, then returns it.
    public func settledLines(quiet: TimeInterval = 0.5, timeout: TimeInterval = 20) async throws -> [[UInt8]] {
        let deadline = Date().addingTimeInterval(timeout)
        var last = -1
        var lines = receivedLines()
        while lines.count != last && Date() < deadline {
            last = lines.count
            try await Task.sleep(for: .seconds(quiet))
            lines = receivedLines()
        }
        return lines
    }

    private func sendProbeDatagram() {
        let descriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        var address = Loopback.address(port: port)
        let probe = Array("<14>probe".utf8)
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(descriptor, probe, probe.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }
}

public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A throwaway CA with a server certificate for localhost/127.0.0.1 and a client certificate,
/// made with the openssl command line in a temporary directory.
public final class TestPKI: @unchecked Sendable {
    public let directory: URL
    public var caFile: String { path("ca.pem") }
    public var serverCertificate: String { path("server.pem") }
    public var serverKey: String { path("server.key") }
    public var clientCertificate: String { path("client.pem") }
    public var clientKey: String { path("client.key") }

    public init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("pki-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try "subjectAltName=DNS:localhost,IP:127.0.0.1\n".write(toFile: path("server.ext"), atomically: true, encoding: .utf8)
        try "extendedKeyUsage=clientAuth\n".write(toFile: path("client.ext"), atomically: true, encoding: .utf8)
        try openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", path("ca.key"), "-out", path("ca.pem"), "-days", "2", "-subj", "/CN=auditrelay test CA"])
        for (name, subject) in [("server", "/CN=localhost"), ("client", "/CN=auditrelay-client")] {
            try openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", path("\(name).key"), "-out", path("\(name).csr"), "-subj", subject])
            try openssl(["x509", "-req", "-in", path("\(name).csr"), "-CA", path("ca.pem"), "-CAkey", path("ca.key"), "-CAcreateserial",
                         "-out", path("\(name).pem"), "-days", "2", "-extfile", path("\(name).ext")])
        }
        // Another CA that signed nothing here: a client trusting only it must refuse the server.
        try openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", path("other.key"), "-out", path("other-ca.pem"), "-days", "2", "-subj", "/CN=unrelated CA"])
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    public func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    private func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw TestFailure("openssl \(arguments.prefix(2).joined(separator: " ")) failed") }
    }
}
