import Vendors
import Foundation
import Testing
import Normalizers
import RelayCore

/// Shared helpers for the normalizer tests: fixture loading and one-call normalization.
enum TestSupport {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/emm")

    static let identity = SourceIdentity(workspaceID: "ws-1", sourceID: "src-1", sourceTTL: 30)
    static let receivedAt = Timestamp(microseconds: 1_700_000_000_123_456, fractionDigits: 6)

    /// One labelled EMM sample: where it came from and the exact bytes of its `event`.
    struct Sample {
        let file: String
        let line: Int
        let sourceType: String
        let stream: String
        let behavior: String
        let event: [UInt8]
    }

    /// Every sample of every `Fixtures/emm/*.jsonl` file, in file and line order.
    static func samples() throws -> [Sample] {
        let names = try FileManager.default.contentsOfDirectory(atPath: fixtures.path).filter { $0.hasSuffix(".jsonl") }.sorted()
        var samples: [Sample] = []
        let document = JSONDocument()
        for name in names {
            let text = try String(contentsOf: fixtures.appendingPathComponent(name), encoding: .utf8)
            for (index, line) in text.split(separator: "\n").enumerated() where !line.isEmpty {
                let root = try document.parse(Array(line.utf8))
                guard let event = root["event"] else { continue }
                samples.append(Sample(
                    file: name, line: index + 1,
                    sourceType: root["sourceType"]?.string ?? "", stream: root["stream"]?.string ?? "",
                    behavior: root["behavior"]?.string ?? "", event: Array(event.rawBytes)))
            }
        }
        return samples
    }

    /// Normalizes one raw event with the standard registry.
    static func normalize(_ json: String, _ sourceType: String, _ stream: String) throws -> AuditRecord {
        try normalize(Array(json.utf8), sourceType, stream)
    }

    static func normalize(_ bytes: [UInt8], _ sourceType: String, _ stream: String) throws -> AuditRecord {
        try PageNormalizer(registry: VendorCatalog.normalizers).normalize(event: bytes[...], sourceType: sourceType, stream: stream, identity: identity, receivedAt: receivedAt)
    }
}

/// One catalogue case: an event written from a vendor's documented catalogue and the behavior it
/// must get.
struct CatalogueCase: CustomTestStringConvertible, Sendable {
    let sourceType: String
    let stream: String
    let json: String
    let behavior: Behavior
    let eventName: String

    init(_ sourceType: String, _ stream: String, _ eventName: String, _ behavior: Behavior, _ json: String) {
        self.sourceType = sourceType
        self.stream = stream
        self.eventName = eventName
        self.behavior = behavior
        self.json = json
    }

    var testDescription: String { "\(sourceType)/\(stream) \(eventName)" }

    /// Normalizes the event and checks its name, behavior and the columns every record has.
    func check() throws {
        let record = try TestSupport.normalize(json, sourceType, stream)
        #expect(record.eventName == eventName, "\(testDescription)")
        #expect(record.behavior == behavior, "\(testDescription): got \(record.behavior.rawValue)")
        #expect(!record.eventID.isEmpty)
        #expect(Array(record.rawLog) == Array(json.utf8))
    }
}
