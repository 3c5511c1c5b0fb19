import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The `kafka-mock-cluster` test peer as a child process: librdkafka's mock brokers on 127.0.0.1
/// ephemeral ports, with fault commands on its stdin. It exits when its stdin closes, so a
/// crashed test cannot leave it behind.
public final class MockCluster: @unchecked Sendable {
    public let bootstrap: String
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private var buffered: [UInt8] = []

    public init(brokers: Int = 3, topics: [String: Int] = [:]) throws {
        process.executableURL = URL(fileURLWithPath: BuiltProducts.path("kafka-mock-cluster"))
        process.arguments = ["-b", "\(brokers)"] + topics.flatMap { ["-t", "\($0.key):\($0.value)"] }
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var bootstrap = ""
        while true {
            let line = try Self.readLine(output.fileHandleForReading.fileDescriptor, buffer: &buffered, timeout: 10)
            if line.hasPrefix("bootstrap ") { bootstrap = String(line.dropFirst(10)) }
            if line == "ready" { break }
        }
        self.bootstrap = bootstrap
    }

    deinit { stop() }

    /// Sends one command (`down -1`, `up 2`, `errors 0 2 7 6`, `topic t 8`) and checks it was accepted.
    public func command(_ text: String) throws {
        input.fileHandleForWriting.write(Data((text + "\n").utf8))
        let answer = try Self.readLine(output.fileHandleForReading.fileDescriptor, buffer: &buffered, timeout: 10)
        guard answer == "ok" else { throw MockClusterError(description: "mock cluster refused \(text): \(answer)") }
    }

    public func stop() {
        guard process.isRunning else { return }
        try? input.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    public static func readLine(_ descriptor: Int32, buffer: inout [UInt8], timeout: Double) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeFirst(newline + 1)
                return line
            }
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { throw MockClusterError(description: "no answer from the mock cluster within \(timeout) s") }
            var pollDescriptor = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&pollDescriptor, 1, Int32(remaining * 1000)) > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = read(descriptor, &chunk, chunk.count)
            guard count > 0 else { throw MockClusterError(description: "the mock cluster exited") }
            buffer += chunk[0..<count]
        }
    }
}

public struct MockClusterError: Error, CustomStringConvertible {
    public let description: String
    public init(description: String) { self.description = description }
}
