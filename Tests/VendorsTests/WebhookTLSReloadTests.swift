import Foundation
import Testing
import Webhooks

/// The webhook TLS front picks up a renewed certificate (cert-manager rewriting a mounted Secret)
/// without a restart, and keeps serving the previous one when the new pair does not load.
@Suite(.timeLimit(.minutes(3))) struct WebhookTLSReloadTests {
    /// A self-signed certificate for 127.0.0.1 named `name`, into `directory`/`name`.{cert,key}.pem.
    static func makeCertificate(_ name: String, in directory: String) throws {
        let status = GitHubWebhookProcessTests.shell(
            "openssl req -x509 -newkey rsa:2048 -nodes -keyout \(directory)/\(name).key.pem -out \(directory)/\(name).cert.pem -days 2 "
                + "-subj /CN=\(name) -addext subjectAltName=IP:127.0.0.1 2>/dev/null")
        guard status == 0 else { throw TLSReloadFailure(description: "openssl req failed for \(name)") }
    }

    /// The subject CN the server presents to a new connection (Python's ssl, verification off).
    static func presentedName(port: Int) -> String? {
        let script = """
            import socket, ssl, sys, subprocess
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); context.check_hostname = False; context.verify_mode = ssl.CERT_NONE
            with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5) as raw:
                with context.wrap_socket(raw) as tls:
                    der = tls.getpeercert(binary_form=True)
            pem = ssl.DER_cert_to_PEM_cert(der)
            out = subprocess.run(["openssl", "x509", "-noout", "-subject", "-nameopt", "multiline"], input=pem.encode(), capture_output=True).stdout.decode()
            print([line.split("=")[1].strip() for line in out.splitlines() if "commonName" in line][0])
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", script, String(port)]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Puts `name`'s pair in place the way Kubernetes does: new files, then one rename each.
    static func install(_ name: String, certificateOnly: Bool = false, in directory: String) throws {
        let files = FileManager.default
        let pairs = [("\(name).cert.pem", "cert.pem")] + (certificateOnly ? [] : [("\(name).key.pem", "key.pem")])
        for (source, target) in pairs {
            try? files.removeItem(atPath: "\(directory)/staged")
            try files.copyItem(atPath: "\(directory)/\(source)", toPath: "\(directory)/staged")
            guard rename("\(directory)/staged", "\(directory)/\(target)") == 0 else { throw TLSReloadFailure(description: "rename failed") }
        }
    }

    @Test func aRenewedCertificateServesNewConnectionsAndABrokenOneIsRefused() async throws {
        let directory = NSTemporaryDirectory() + "tls-reload-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for name in ["first", "renewed", "stranger"] { try Self.makeCertificate(name, in: directory) }
        try Self.install("first", in: directory)

        let logs = LogCapture()
        let front = try WebhookTLSFront(listen: "127.0.0.1:0", certificate: "\(directory)/cert.pem", key: "\(directory)/key.pem",
                                        settings: WebhookSettings(), upstream: { nil }, reloadInterval: .milliseconds(300), logger: logs.logger())
        let running = Task {
            do { try await front.run() } catch { Issue.record("the TLS front stopped: \(error)") }
        }
        defer { running.cancel() }
        // Generous waits: the parallel test run can keep a task off the 2-core pool for seconds.
        try await waitUntil(seconds: 60, "the front listens") { front.port != nil }
        let port = try #require(front.port)
        // Each probe closes right after the handshake, while the front writes its 503 (no
        // listener behind it here): in this process, an unblocked SIGPIPE would end the test run.
        #expect(Self.presentedName(port: port) == "first")

        try Self.install("renewed", in: directory)
        try await waitUntil(seconds: 60, "the renewed certificate is presented") { Self.presentedName(port: port) == "renewed" }
        #expect(logs.text.contains("webhooks.tls: certificate reloaded"))

        // A certificate with another certificate's key: refused, the renewed one keeps serving.
        // (A check between the two renames of an install sees a mixed pair too, and reports it.)
        func refusals() -> Int { logs.lines.filter { $0.contains("does not load; still serving the previous certificate") }.count }
        let before = refusals()
        try Self.install("stranger", certificateOnly: true, in: directory)
        try await waitUntil(seconds: 60, "the broken pair is reported") { refusals() > before }
        #expect(Self.presentedName(port: port) == "renewed")
        // Reported once, not at every check.
        let reported = refusals()
        try await Task.sleep(for: .seconds(1))
        #expect(refusals() == reported)

        // The matching key arrives: the new certificate serves.
        try Self.install("stranger", in: directory)
        try await waitUntil(seconds: 60, "the completed pair is presented") { Self.presentedName(port: port) == "stranger" }
        #expect(!logs.text.contains("BEGIN"), "no key material in the log")
    }
}

struct TLSReloadFailure: Error, CustomStringConvertible {
    let description: String
}
