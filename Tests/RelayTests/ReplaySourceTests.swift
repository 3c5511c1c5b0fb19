import Foundation
import Testing
@testable import Replay
import RelayCore

@Suite struct ReplaySourceTests {
    func temporaryFile(_ content: [UInt8]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("replay-\(UUID()).jsonl").path
        try Data(content).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func lineReaderHandlesLinesAcrossAndBeyondChunks() throws {
        var generator = SystemRandomNumberGenerator()
        let lengths = [0, 1, 10, 4095, 4096, 4097, 20_000, 3, 9000, 1] + (0..<200).map { _ in Int.random(in: 0..<3000, using: &generator) }
        let lines = lengths.enumerated().map { index, length in Array(repeating: UInt8(ascii: "a") + UInt8(index % 26), count: length) }
        var content = lines.joined(separator: [0x0A]).map { $0 }
        let path = try temporaryFile(content)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let reader = try LineReader(path: path, offset: 0, chunkBytes: 4096)
        var read: [[UInt8]] = []
        while let line = try reader.nextLine() { read.append(Array(line)) }
        #expect(read == lines)
        // With a trailing newline there is no extra empty line.
        content.append(0x0A)
        let withNewline = try temporaryFile(content)
        defer { try? FileManager.default.removeItem(atPath: withNewline) }
        let second = try LineReader(path: withNewline, offset: 0, chunkBytes: 1000)
        var count = 0
        while try second.nextLine() != nil { count += 1 }
        #expect(count == lines.count)
    }

    @Test func resumesFromItsCursorAndKeepsInvalidLines() async throws {
        let text = """
            {"sourceType":"okta","stream":"system_log","behavior":"","event":{"uuid":"1"}}
            {"sourceType":"okta","stream":"system_log","behavior":"","event":{"uuid":"2"}}
            not json at all
            {"sourceType":"github","stream":"audit_log","behavior":"","event":{"_document_id":"3"}}
            """
        let path = try temporaryFile(Array(text.utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let source = ReplaySource(configuration: .init(id: "r", path: path, batchSize: 10))
        let first = try #require(try await source.nextPage(after: nil))
        #expect(first.sourceType == "okta" && first.events.count == 2)
        #expect(first.events.map { String(decoding: first.body[$0], as: UTF8.self) } == [#"{"uuid":"1"}"#, #"{"uuid":"2"}"#])
        // A line that is not JSON is passed on whole, on its own page (its type is unknown).
        let second = try #require(try await source.nextPage(after: first.cursor))
        #expect(second.sourceType == "" && second.events.count == 1)
        #expect(String(decoding: second.body[second.events[0]], as: UTF8.self) == "not json at all")
        let third = try #require(try await source.nextPage(after: second.cursor))
        #expect(third.sourceType == "github" && third.stream == "audit_log")
        #expect(try await source.nextPage(after: third.cursor) == nil)
        // Resuming from the first page's cursor yields the second page again, never the first.
        let again = try #require(try await source.nextPage(after: first.cursor))
        #expect(again.body == second.body)
    }
}
