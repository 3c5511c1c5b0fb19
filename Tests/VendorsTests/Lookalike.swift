import Foundation
import Polling
import RelayCore
import Testing

/// A vendor look-alike (`Tests/Fixtures/vendors/<script>`) running as a child process on an
/// ephemeral 127.0.0.1 port. It exits when its stdin closes, so even a crashed test leaves nothing.
final class Lookalike: @unchecked Sendable {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/vendors").path

    let process = Process()
    private let stdin = Pipe()
    private let stdout = Pipe()
    let port: Int
    private let stderrPath: String
    var baseURL: String { "http://127.0.0.1:\(port)" }

    init(_ script: String, _ arguments: [String], environment: [String: String] = [:]) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "\(Self.directory)/\(script)"] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardInput = stdin
        process.standardOutput = stdout
        // Kept in a file so that a look-alike that fails to start can say why.
        stderrPath = FileManager.default.temporaryDirectory.appendingPathComponent("lookalike-\(UUID()).stderr").path
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        try process.run()
        // The first line is `PORT n`; give the interpreter 20 s on a loaded machine.
        let handle = stdout.fileHandleForReading
        let found = LockedValue<Int?>(nil)
        let reader = Thread {
            var line = Data()
            while true {
                let byte = handle.readData(ofLength: 1)
                if byte.isEmpty || byte == Data("\n".utf8) { break }
                line.append(byte)
            }
            let text = String(decoding: line, as: UTF8.self)
            if text.hasPrefix("PORT "), let port = Int(text.dropFirst(5)) { found.set(port) }
        }
        reader.start()
        let deadline = Date().addingTimeInterval(20)
        while found.get() == nil && Date() < deadline && process.isRunning { Thread.sleep(forTimeInterval: 0.02) }
        guard let port = found.get() else {
            let running = process.isRunning
            if running { process.terminate() }
            process.waitUntilExit()
            let stderr = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
            try? FileManager.default.removeItem(atPath: stderrPath)
            let state = running ? "still running after 20 s" : "exited with status \(process.terminationStatus)"
            throw LookalikeError(message: "\(script) did not print its port (\(state)); stderr: \(stderr.suffix(2000))")
        }
        self.port = port
    }

    func stop() {
        try? stdin.fileHandleForWriting.close()
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: stderrPath)
    }

    deinit { stop() }

    /// Queues faults for the next data requests (`429`, `500`, `timeout`, `truncated`, `malformed`, `expire`, `403`).
    func inject(_ faults: [String]) async throws {
        let list = faults.map { "\"\($0)\"" }.joined(separator: ",")
        _ = try await post("/_control", "{\"faults\":[\(list)]}")
    }

    func addEvents(_ count: Int) async throws {
        _ = try await post("/_control", "{\"add\":\(count)}")
    }

    /// Adds events stored now but dated `age` seconds ago (published late): `POST /_late`.
    func addLateEvents(_ count: Int, age: Int) async throws {
        _ = try await post("/_late", "{\"count\":\(count),\"age\":\(age)}")
    }

    /// A vendor-specific statistic: a number, or a list's length.
    func statistic(_ key: String) async throws -> Int {
        let response = try await HTTPClient().send(HTTPRequest(url: "\(baseURL)/_stats"))
        let document = JSONDocument()
        let value = try document.parse(response.body)[key]
        return value?.kind == .number ? Int(value?.int64 ?? -1) : (value?.count ?? -1)
    }

    /// A vendor-specific statistic that is a list of strings.
    func statisticStrings(_ key: String) async throws -> [String] {
        let response = try await HTTPClient().send(HTTPRequest(url: "\(baseURL)/_stats"))
        let document = JSONDocument()
        return try document.parse(response.body)[key]?.array.compactMap(\.string) ?? []
    }

    /// A vendor-specific statistic that is an object of counts (Microsoft's fetches per blob).
    func statisticCounts(_ key: String) async throws -> [String: Int] {
        let response = try await HTTPClient().send(HTTPRequest(url: "\(baseURL)/_stats"))
        let document = JSONDocument()
        var counts: [String: Int] = [:]
        guard let object = try document.parse(response.body)[key] else { return [:] }
        for (name, value) in object.members { counts[name] = Int(value.int64 ?? -1) }
        return counts
    }

    /// Per tenant (`<tenant>.localhost` in the Host header), the Unix times of its data requests: `GET /_polls`.
    func tenantPolls() async throws -> [String: [Double]] {
        let response = try await HTTPClient().send(HTTPRequest(url: "\(baseURL)/_polls"))
        let document = JSONDocument()
        var polls: [String: [Double]] = [:]
        for (tenant, times) in try document.parse(response.body).members { polls[tenant] = times.array.compactMap(\.double) }
        return polls
    }

    /// A vendor-specific control request (`POST path` with a JSON body); the answer's body.
    func control(_ path: String, _ body: String) async throws -> [UInt8] {
        try await post(path, body).body
    }

    struct Stats {
        var ids: [String]
        var tokenRequests: Int
        var dataRequests: Int
        var authFailures: Int
        var faultsServed: [String]
        var badRequests: Int
        var proxiedRequests: Int
        var gzippedResponses: Int
        var connections: Int
    }

    func stats() async throws -> Stats {
        let response = try await HTTPClient().send(HTTPRequest(url: "\(baseURL)/_stats"))
        let document = JSONDocument()
        let root = try document.parse(response.body)
        return Stats(ids: root["ids"]?.array.compactMap(\.string) ?? [],
                     tokenRequests: Int(root["token_requests"]?.int64 ?? -1), dataRequests: Int(root["data_requests"]?.int64 ?? -1),
                     authFailures: Int(root["auth_failures"]?.int64 ?? -1),
                     faultsServed: root["faults_served"]?.array.compactMap(\.string) ?? [],
                     badRequests: root["bad_requests"]?.count ?? -1, proxiedRequests: Int(root["proxied_requests"]?.int64 ?? -1),
                     gzippedResponses: Int(root["gzipped_responses"]?.int64 ?? -1), connections: Int(root["connections"]?.int64 ?? -1))
    }

    private func post(_ path: String, _ body: String) async throws -> HTTPResponse {
        try await HTTPClient().send(HTTPRequest(method: .post, url: "\(baseURL)\(path)", body: Array(body.utf8)))
    }
}

struct LookalikeError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

final class LockedValue<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func get() -> Value { lock.withLock { value } }
    func set(_ newValue: Value) { lock.withLock { value = newValue } }
    func update<T>(_ change: (inout Value) -> T) -> T { lock.withLock { change(&value) } }
}
