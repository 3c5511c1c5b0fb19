import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TestHelpers
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `github-webhook` against the running binary, with a real HTTP client
/// (`Tests/Fixtures/webhooks/github_sender.py`, raw sockets) and a file sink.
@Suite(.serialized, .timeLimit(.minutes(10))) struct GitHubWebhookProcessTests {
    static let secret = "It's a Secret to Everybody"
    static let sender = "\(BuiltProducts.repositoryRoot)/Tests/Fixtures/webhooks/github_sender.py"

    /// A running sidecar with one `github-webhook` source `gh`, its ports and its sink file.
    final class Sidecar: @unchecked Sendable {
        let work: String
        let process: RelayProcess
        let config: String
        var sink: String { "\(work)/sink/records.jsonl" }

        init(work: String, process: RelayProcess) {
            self.work = work
            self.process = process
            config = "\(work)/config.yaml"
        }

        convenience init(work: String, extra: String = "", source: String = "", spool: String = "", sinkPath: String? = nil) throws {
            try FileManager.default.createDirectory(atPath: "\(work)/sink", withIntermediateDirectories: true)
            let config = "\(work)/config.yaml"
            try """
                workspaceID: t
                sources:
                  - {id: gh, type: github-webhook, secret: "${env:GH_SECRET}", previousSecret: "${env:GH_OLD_SECRET}"\(source)}
                sinks: [{type: file, path: \(sinkPath ?? "\(work)/sink/records.jsonl")}]
                spool: {dir: \(work)/spool\(spool)}
                http: {listen: "127.0.0.1:0"}
                webhooks: {listen: "127.0.0.1:0", readTimeout: 2s\(extra)}
                log: {format: json, level: info}
                """.write(toFile: config, atomically: true, encoding: .utf8)
            self.init(work: work, process: try Self.start(config: config, work: work))
        }

        static func start(config: String, work: String) throws -> RelayProcess {
            try RelayProcess(["run", "--config", config], environment: ["GH_SECRET": secret, "GH_OLD_SECRET": "the previous secret"],
                             stderr: "\(work)/relay-\(UUID()).log")
        }

        var log: String { (try? String(contentsOfFile: process.stderrPath, encoding: .utf8)) ?? "" }

        /// The port from the log line `message` ("listening" for http.listen, "webhook listener listening").
        func port(_ message: String) async throws -> Int {
            var found: Int?
            try await waitUntil(seconds: 30, "\(message) in the log") {
                try process.expectRunning()
                for line in log.split(separator: "\n") where line.contains("\"message\":\"\(message)\"") {
                    if let range = line.range(of: #""port":""#) { found = Int(line[range.upperBound...].prefix { $0.isNumber }) }
                }
                return found != nil
            }
            return try #require(found)
        }

        /// Event ids of the records in the sink, in order (repeats kept).
        func deliveredIDs(at path: String? = nil) -> [String] {
            let text = (try? String(contentsOfFile: path ?? sink, encoding: .utf8)) ?? ""
            return text.split(separator: "\n").compactMap { line in
                (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["eventID"] as? String
            }
        }

        func rssKiB() throws -> Int {
            let status = try String(contentsOfFile: "/proc/\(process.process.processIdentifier)/status", encoding: .utf8)
            let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") })
            return try #require(Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]))
        }

        func metrics() async throws -> String {
            let port = try await self.port("listening")
            let (data, _) = try await URLSession.shared.data(from: try #require(URL(string: "http://127.0.0.1:\(port)/metrics")))
            return String(decoding: data, as: UTF8.self)
        }

        deinit {
            process.kill()
        }
    }

    /// Runs the sender; its one JSON line as a dictionary.
    static func send(_ arguments: [String]) async throws -> [String: Any] {
        // On its own thread: the sender may run for seconds (slow clients, bursts).
        let data = try await Task.detached { try runSender(arguments) }.value
        let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        return try #require(object, "sender printed \(String(decoding: data, as: UTF8.self))")
    }

    static func runSender(_ arguments: [String]) throws -> Data {
        let process = Process()
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", sender] + arguments
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return data
    }

    static func status(_ result: [String: Any]) -> Int { result["status"] as? Int ?? -1 }

    static func workDirectory() throws -> String { try BuiltProducts.temporaryDirectory("webhook") }

    @Test func signedDeliveriesAreStoredOnceAndUnsignedOrForgedOnesAre401() async throws {
        let work = try Self.workDirectory()
        defer { try? FileManager.default.removeItem(atPath: work) }
        let sidecar = try Sidecar(work: work)
        let port = String(try await sidecar.port("webhook listener listening"))

        // 1. Valid signature: 202, then in the sink with its delivery headers as tags.
        #expect(Self.status(try await Self.send(["send", "--port", port, "--secret", Self.secret, "--delivery", "ok-1"])) == 202)
        // 3. Signed with the previous secret during a rotation: accepted too.
        #expect(Self.status(try await Self.send(["send", "--port", port, "--secret", "the previous secret", "--delivery", "ok-2"])) == 202)
        // Chunked bodies are read (and counted) too.
        #expect(Self.status(try await Self.send(["send", "--port", port, "--secret", Self.secret, "--delivery", "ok-3", "--chunked", "--size", "50000"])) == 202)
        // 2. Wrong secret, tampered body, no signature: 401, nothing stored.
        #expect(Self.status(try await Self.send(["send", "--port", port, "--secret", "not the secret", "--delivery", "bad-1"])) == 401)
        #expect(Self.status(try await Self.send(["send", "--port", port, "--secret", Self.secret, "--tamper", "--delivery", "bad-2"])) == 401)
        let unsigned = try await Self.send(["send", "--port", port, "--unsigned", "--delivery", "bad-3"])
        #expect(Self.status(unsigned) == 401)
        #expect((unsigned["body"] as? String)?.contains("missing") == true)
        // ping is acknowledged, not forwarded.
        #expect(Self.status(try await Self.send(["send", "--port", port, "--secret", Self.secret, "--event", "ping", "--delivery", "ping-1"])) == 200)
        // 4. A redelivery (same X-GitHub-Delivery): 200, stored once.
        let replay = try await Self.send(["send", "--port", port, "--secret", Self.secret, "--delivery", "ok-1"])
        #expect(Self.status(replay) == 200)

        try await waitUntil(seconds: 20, "3 records in the sink") { sidecar.deliveredIDs().count >= 3 }
        try await Task.sleep(for: .milliseconds(500))  // anything wrongly stored would arrive by now
        #expect(sidecar.deliveredIDs().sorted() == ["ok-1", "ok-2", "ok-3"])
        let record = try #require(try String(contentsOfFile: sidecar.sink, encoding: .utf8).split(separator: "\n").first)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(record.utf8)) as? [String: Any])
        let tags = try #require(json["tags"] as? [String: String])
        #expect(tags == ["X-GitHub-Event": "repository", "X-GitHub-Delivery": "ok-1", "X-GitHub-Hook-ID": "4242"])
        #expect(json["eventName"] as? String == "repository.created")
        #expect(json["sourceType"] as? String == "github")
        #expect((json["actor"] as? [String: String])?["username"] == "octo")

        // Counted, never logged with the body or the secret.
        let metrics = try await sidecar.metrics()
        #expect(metrics.contains(#"auditrelay_webhook_signature_failures_total{source="gh",reason="invalid"} 2"#), "\(metrics)")
        #expect(metrics.contains(#"auditrelay_webhook_signature_failures_total{source="gh",reason="missing"} 1"#))
        #expect(metrics.contains(#"auditrelay_source_duplicates_dropped_total{source="gh"} 1"#))
        #expect(!sidecar.log.contains("delivery_under_test") && !sidecar.log.contains(Self.secret) && !sidecar.log.contains("previous secret"))
        #expect(!metrics.contains(Self.secret))

        // 4 (persisted window): after a restart the same delivery is still known.
        sidecar.process.terminate()
        #expect(sidecar.process.exitStatus == 0, "\(sidecar.log.suffix(1000))")
        let restarted = Sidecar(work: work, process: try Sidecar.start(config: sidecar.config, work: work))
        let again = try await restarted.port("webhook listener listening")
        #expect(Self.status(try await Self.send(["send", "--port", String(again), "--secret", Self.secret, "--delivery", "ok-2"])) == 200)
        #expect(restarted.deliveredIDs().sorted() == ["ok-1", "ok-2", "ok-3"])
    }

    @Test func webhooksListenServesTLSWithItsCertificateAndKey() async throws {
        let work = try Self.workDirectory()
        defer { try? FileManager.default.removeItem(atPath: work) }
        // A self-signed certificate for 127.0.0.1: the CA the sender trusts.
        #expect(Self.shell("openssl req -x509 -newkey rsa:2048 -nodes -keyout \(work)/key.pem -out \(work)/cert.pem -days 2 "
                           + "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null") == 0)
        let sidecar = try Sidecar(work: work, extra: ", tls: {cert: \(work)/cert.pem, key: \(work)/key.pem}")
        let port = String(try await sidecar.port("webhook TLS listener listening"))
        let tls = ["--port", port, "--cafile", "\(work)/cert.pem"]

        #expect(Self.status(try await Self.send(["send"] + tls + ["--secret", Self.secret, "--delivery", "tls-1"])) == 202)
        #expect(Self.status(try await Self.send(["send"] + tls + ["--secret", Self.secret, "--delivery", "tls-2", "--chunked", "--size", "200000"])) == 202)
        #expect(Self.status(try await Self.send(["send"] + tls + ["--secret", "not the secret", "--delivery", "tls-bad"])) == 401)
        #expect(Self.status(try await Self.send(["send"] + tls + ["--secret", Self.secret, "--delivery", "tls-1"])) == 200)
        // Many at once through the TLS front, each on its own connection.
        let burst = try await Self.send(["burst"] + tls + ["--secret", Self.secret, "--count", "100", "--prefix", "tls-burst"])
        #expect((burst["statuses"] as? [String: Int])?["202"] == 100, "\(burst)")
        try await waitUntil(seconds: 30, "102 records in the sink") { sidecar.deliveredIDs().count >= 102 }
        #expect(Set(sidecar.deliveredIDs()).count == 102 && sidecar.deliveredIDs().count == 102)

        // Plain HTTP on the TLS port gets no HTTP answer; a slow handshake is cut off by readTimeout (2 s).
        #expect(Self.shell("curl -s -m 5 -o /dev/null -X POST http://127.0.0.1:\(port)/webhooks/gh") != 0)
        let silent = "import socket; s = socket.create_connection(('127.0.0.1', \(port))); s.settimeout(30); assert s.recv(16) == b''"
        #expect(Self.shell("timeout 8 python3 -c \"\(silent)\"") == 0, "a client that never starts its handshake is disconnected")
        #expect(sidecar.log.contains("webhook TLS listener listening"))
        #expect(!sidecar.log.contains(Self.secret))
    }

    @Test func theOpsListenerServesTheSameRouteWith404And405() async throws {
        let work = try Self.workDirectory()
        defer { try? FileManager.default.removeItem(atPath: work) }
        let sidecar = try Sidecar(work: work)
        let port = String(try await sidecar.port("listening"))
        #expect(Self.status(try await Self.send(["send", "--port", port, "--secret", Self.secret, "--delivery", "ops-1"])) == 202)
        #expect(Self.status(try await Self.send(["send", "--port", port, "--secret", "wrong", "--delivery", "ops-2"])) == 401)
        #expect(Self.status(try await Self.send(["send", "--port", port, "--source", "nope", "--secret", Self.secret])) == 404)
        let oversize = try await Self.send(["oversize", "--port", port])
        #expect(Self.status(oversize) == 413)
        for listener in [port, String(try await sidecar.port("webhook listener listening"))] {
            var request = URLRequest(url: try #require(URL(string: "http://127.0.0.1:\(listener)/webhooks/gh")))
            request.httpMethod = "GET"
            let (_, response) = try await URLSession.shared.data(for: request)
            #expect((response as? HTTPURLResponse)?.statusCode == 405)
            #expect((response as? HTTPURLResponse)?.value(forHTTPHeaderField: "Allow") == "POST")
            request.url = URL(string: "http://127.0.0.1:\(listener)/webhooks/unknown")
            request.httpMethod = "POST"
            let (_, unknown) = try await URLSession.shared.data(for: request)
            #expect((unknown as? HTTPURLResponse)?.statusCode == 404)
        }
        try await waitUntil(seconds: 20, "ops-1 in the sink") { sidecar.deliveredIDs() == ["ops-1"] }
    }

    /// On `http.listen` (FlyingFox) the webhook route bounds its own concurrency and gives a slow
    /// body's slot back after `readTimeout`; closing that connection is FlyingFox's business (it
    /// reads a small body to its end before answering), which is why `webhooks.listen` is the port
    /// to expose.
    @Test func theOpsListenerBoundsConcurrentRequestsAndFreesSlowBodiesSlots() async throws {
        let work = try Self.workDirectory()
        defer { try? FileManager.default.removeItem(atPath: work) }
        let sidecar = try Sidecar(work: work, extra: ", maxConcurrent: 1")
        let port = String(try await sidecar.port("listening"))
        // A body trickling in holds the only slot (FlyingFox reads bodies over 4 KiB lazily)...
        async let slow = Self.send(["slow", "--port", port, "--secret", Self.secret, "--mode", "body", "--size", "8000",
                                    "--interval", "0.2", "--give-up", "6"])
        try await Task.sleep(for: .milliseconds(700))
        // ...so another request is turned away at once instead of queueing without bound...
        let busy = try await Self.send(["send", "--port", port, "--secret", Self.secret, "--delivery", "busy"])
        #expect(Self.status(busy) == 503)
        #expect((busy["headers"] as? [String: String])?["retry-after"] == "1")
        // ...until readTimeout (2 s) frees the slot, while the slow client is still sending.
        let started = ContinuousClock.now
        try await waitUntil(seconds: 5, "the slot freed") {
            Self.status(try Self.sendBlocking(["send", "--port", port, "--secret", Self.secret, "--delivery", "busy"])) == 202
        }
        #expect(ContinuousClock.now - started < .seconds(4))
        #expect(Self.status(try await slow) != 202)
        #expect(sidecar.process.process.isRunning)
    }

    @Test func a30MiBBodyIs413WithoutBeingBuffered() async throws {
        let work = try Self.workDirectory()
        defer { try? FileManager.default.removeItem(atPath: work) }
        let sidecar = try Sidecar(work: work)
        let port = String(try await sidecar.port("webhook listener listening"))
        // Warm up (first request allocates the listener's buffers), then measure.
        #expect(Self.status(try await Self.send(["send", "--port", port, "--secret", Self.secret, "--delivery", "warm"])) == 202)
        let before = try sidecar.rssKiB()
        // Content-Length 30 MiB: refused before a body byte is read.
        let declared = try await Self.send(["oversize", "--port", port, "--bytes", String(30 << 20)])
        #expect(Self.status(declared) == 413)
        let afterDeclared = try sidecar.rssKiB()
        // Chunked 30 MiB: counted while it streams, cut off at maxBodyBytes (25 MiB).
        let chunked = try await Self.send(["oversize", "--port", port, "--bytes", String(30 << 20), "--chunked"])
        #expect(Self.status(chunked) == 413)
        let afterChunked = try sidecar.rssKiB()
        print("webhook 30 MiB: RSS before \(before) KiB, after Content-Length 413 \(afterDeclared) KiB, after chunked 413 \(afterChunked) KiB; client sent \(declared["sent"] ?? 0) / \(chunked["sent"] ?? 0) bytes")
        #expect(afterDeclared - before < 4 << 10, "RSS grew \(afterDeclared - before) KiB on a refused 30 MiB body")
        #expect(afterChunked - before < 10 << 10, "RSS grew \(afterChunked - before) KiB after a refused chunked 30 MiB body")
        // Still serving.
        #expect(Self.status(try await Self.send(["send", "--port", port, "--secret", Self.secret, "--delivery", "after"])) == 202)
    }

    @Test(arguments: ["headers", "body"]) func slowClientsAreTimedOut(_ mode: String) async throws {
        let work = try Self.workDirectory()
        defer { try? FileManager.default.removeItem(atPath: work) }
        let sidecar = try Sidecar(work: work)
        let port = String(try await sidecar.port("webhook listener listening"))
        // One byte every 300 ms; readTimeout is 2 s.
        async let slow = Self.send(["slow", "--port", port, "--secret", Self.secret, "--mode", mode, "--interval", "0.3", "--give-up", "20"])
        // Meanwhile others are served.
        #expect(Self.status(try await Self.send(["send", "--port", port, "--secret", Self.secret, "--delivery", "fast"])) == 202)
        let result = try await slow
        let closedAfter = try #require(result["closedAfter"] as? Double, "\(result)")
        #expect(closedAfter < 6, "the slow client was disconnected after \(closedAfter) s")
        #expect(Self.status(result) == 408)
    }

    @Test func fiveHundredConcurrentDeliveriesAreAllAcknowledgedAndDelivered() async throws {
        let work = try Self.workDirectory()
        defer { try? FileManager.default.removeItem(atPath: work) }
        let sidecar = try Sidecar(work: work)
        let port = String(try await sidecar.port("webhook listener listening"))
        let result = try await Self.send(["burst", "--port", port, "--secret", Self.secret, "--count", "500", "--prefix", "c"])
        print("webhook burst: \(result)")
        #expect((result["statuses"] as? [String: Int]) == ["202": 500], "\(result)")
        try await waitUntil(seconds: 60, "500 records in the sink") { Set(sidecar.deliveredIDs()).count == 500 }
        #expect(Set(sidecar.deliveredIDs()) == Set((0..<500).map { "c-\($0)" }))

        // Twins at once (10 ids, 10 copies each): each id stored exactly once, the others 200 or 503.
        let twins = try await Self.send(["burst", "--port", port, "--secret", Self.secret, "--count", "100", "--distinct", "10", "--prefix", "t"])
        let statuses = try #require(twins["statuses"] as? [String: Int])
        #expect(statuses["202"] == 10, "\(twins)")
        #expect(statuses.keys.allSatisfy { ["200", "202", "503"].contains($0) }, "\(twins)")
        try await waitUntil(seconds: 30, "the 10 twins in the sink") { sidecar.deliveredIDs().count >= 510 }
        try await Task.sleep(for: .milliseconds(500))
        #expect(sidecar.deliveredIDs().filter { $0.hasPrefix("t-") }.sorted() == (0..<10).map { "t-\($0)" }.sorted())
    }

    @Test func aSIGKILLRightAfterA202LosesNothing() async throws {
        let work = try Self.workDirectory()
        let sinkDirectory = "\(work)/sinkfs"
        try FileManager.default.createDirectory(atPath: sinkDirectory, withIntermediateDirectories: true)
        defer {
            _ = Self.shell("umount '\(sinkDirectory)' 2>/dev/null")
            try? FileManager.default.removeItem(atPath: work)
        }
        // The sink cannot write while the deliveries arrive: after the kill they exist only in the spool.
        guard Self.fillTmpfs(sinkDirectory) else { return }
        let sidecar = try Sidecar(work: work, sinkPath: "\(sinkDirectory)/records.jsonl")
        let port = String(try await sidecar.port("webhook listener listening"))
        let result = try await Self.send(["burst", "--port", port, "--secret", Self.secret, "--count", "200", "--prefix", "k"])
        // Killed the moment the last 202 arrived: whatever was acknowledged must be on disk.
        sidecar.process.kill()
        #expect((result["statuses"] as? [String: Int]) == ["202": 200], "\(result)")
        let before = Set(sidecar.deliveredIDs(at: "\(sinkDirectory)/records.jsonl"))
        try FileManager.default.removeItem(atPath: "\(sinkDirectory)/filler")
        let restarted = Sidecar(work: work, process: try Sidecar.start(config: sidecar.config, work: work))
        let sink = "\(sinkDirectory)/records.jsonl"
        try await waitUntil(seconds: 60, "all 200 in the sink after the restart") { Set(sidecar.deliveredIDs(at: sink)).count == 200 }
        #expect(Set(sidecar.deliveredIDs(at: sink)) == Set((0..<200).map { "k-\($0)" }))
        print("webhook SIGKILL: \(before.count) of 200 were in the sink before the kill, 200 after the restart")
        // Redeliveries after the crash are still recognised.
        let again = try await restarted.port("webhook listener listening")
        #expect(Self.status(try await Self.send(["send", "--port", String(again), "--secret", Self.secret, "--delivery", "k-7"])) == 200)
    }

    @Test func aFullSpoolAnswers503AndTheSameDeliverySucceedsLater() async throws {
        let work = try Self.workDirectory()
        let sinkDirectory = "\(work)/sinkfs"
        try FileManager.default.createDirectory(atPath: sinkDirectory, withIntermediateDirectories: true)
        defer {
            _ = Self.shell("umount '\(sinkDirectory)' 2>/dev/null")
            try? FileManager.default.removeItem(atPath: work)
        }
        // The sink writes to a tiny tmpfs that is full (as in SidecarTests): records stay spooled.
        guard Self.fillTmpfs(sinkDirectory) else { return }
        let sidecar = try Sidecar(work: work, extra: ", spoolWait: 300ms, retryAfter: 7s", source: ", maxBodyBytes: 64KiB",
                                  spool: ", maxBytes: 1MiB", sinkPath: "\(sinkDirectory)/records.jsonl")
        let port = String(try await sidecar.port("webhook listener listening"))
        var refused: [String: Any]?
        var stored = 0
        for index in 0..<100 {
            let result = try await Self.send(["send", "--port", port, "--secret", Self.secret, "--delivery", "f-\(index)", "--size", "40000"])
            if Self.status(result) == 503 {
                refused = result
                break
            }
            #expect(Self.status(result) == 202)
            stored += 1
        }
        let full = try #require(refused, "the spool never filled")
        #expect((full["headers"] as? [String: String])?["retry-after"] == "7")
        let metrics = try await sidecar.metrics()
        #expect(metrics.contains(#"auditrelay_webhook_spool_full_total{source="gh"} 1"#))

        // The sink recovers, the spool drains, and GitHub's redelivery of the same delivery is stored.
        try FileManager.default.removeItem(atPath: "\(sinkDirectory)/filler")
        let redelivery = "f-\(stored)"
        var status = 0
        try await waitUntil(seconds: 60, "the redelivery accepted") {
            status = Self.status(try Self.sendBlocking(["send", "--port", port, "--secret", Self.secret, "--delivery", redelivery, "--size", "40000"]))
            return status == 202
        }
        let sink = "\(sinkDirectory)/records.jsonl"
        try await waitUntil(seconds: 60, "every stored delivery in the sink") { Set(sidecar.deliveredIDs(at: sink)).count == stored + 1 }
        #expect(Set(sidecar.deliveredIDs(at: sink)) == Set((0...stored).map { "f-\($0)" }))
    }

    /// Mounts a 4 MiB tmpfs (room for the records once freed) and fills it, so the file sink fails
    /// with ENOSPC until `filler` is removed.
    static func fillTmpfs(_ directory: String) -> Bool {
        guard shell("mount -t tmpfs -o size=4m tmpfs '\(directory)'") == 0 else {
            Issue.record("mounting a tmpfs needs root (CI runs as root); cannot make the sink fail")
            return false
        }
        _ = shell("dd if=/dev/zero of='\(directory)/filler' bs=4k count=2000 2>/dev/null")
        return true
    }

    static func sendBlocking(_ arguments: [String]) throws -> [String: Any] {
        (try JSONSerialization.jsonObject(with: try runSender(arguments)) as? [String: Any]) ?? [:]
    }

    static func shell(_ command: String) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        try? process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}

