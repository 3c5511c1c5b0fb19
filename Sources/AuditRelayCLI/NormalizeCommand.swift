import Vendors
import ArgumentParser
import Replay
import Normalizers
import RelayCore

#if canImport(Glibc)
import Glibc
#endif

struct NormalizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "normalize",
        abstract: "Normalize raw vendor events (NDJSON on stdin) to records (NDJSON on stdout).",
        discussion: "Writes one record per input line, in order. A line that is not valid JSON is reported on stderr with its line number and skipped; the exit code is then 1, but every good line is still written. Known types: \(VendorCatalog.normalizers.sourceTypes.joined(separator: ", "))."
    )

    @Option(name: .long, help: "The vendor source type, e.g. okta, github, microsoft-365.")
    var type: String

    @Option(name: .long, help: "The vendor stream, e.g. system_log (okta), audit_log (github).")
    var stream: String?

    @Option(name: .long, help: "sourceID to put in the records.")
    var sourceID = "normalize"

    @Option(name: .long, help: "workspaceID to put in the records.")
    var workspaceID = ""

    @Flag(name: .long, help: "Instead of the records, print per line what decided its behavior: a vendor table entry, the shared grammar (with the words it read), a vendor rule, or none.")
    var explain = false

    func validate() throws {
        guard let normalizer = VendorCatalog.normalizers.normalizer(for: type) else {
            throw ValidationError("unknown --type \"\(type)\"; known: \(VendorCatalog.normalizers.sourceTypes.joined(separator: ", "))")
        }
        if let stream, !normalizer.streams.contains(stream) {
            throw ValidationError("unknown --stream \"\(stream)\" for \(type); known: \(normalizer.streams.joined(separator: ", "))")
        }
    }

    func run() throws {
        let normalizer = PageNormalizer(registry: VendorCatalog.normalizers)
        let streamName = stream ?? VendorCatalog.normalizers.normalizer(for: type)?.streams.first ?? ""
        let identity = SourceIdentity(workspaceID: workspaceID, sourceID: sourceID)
        // Records are encoded straight into the output buffer, written out per MiB.
        var output = JSONWriter(capacity: 1 << 20 + 1 << 16)
        var badLines = 0
        var lineNumber = 0
        let input = LineReader(descriptor: STDIN_FILENO, name: "stdin")
        while let line = try input.nextLine() {
            lineNumber += 1
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            do {
                let record = try normalizer.normalize(event: line, sourceType: type, stream: streamName, identity: identity, receivedAt: .now())
                if explain {
                    Self.explain(record, line: lineNumber, into: &output)
                } else {
                    RecordEncoder.encode(record, into: &output)
                }
                output.raw(0x0A)
            } catch {
                badLines += 1
                Terminal.error("stdin:\(lineNumber): \(error)")
            }
            if output.bytes.count >= 1 << 20 { try flush(&output.bytes) }
        }
        try flush(&output.bytes)
        if badLines > 0 {
            Terminal.error("\(badLines) of \(lineNumber) lines could not be normalized")
            throw ExitCode(1)
        }
    }

    /// `{"line":3,"eventName":"user.lifecycle.create","behavior":"user.create","decidedBy":"table user.lifecycle.create"}`
    static func explain(_ record: AuditRecord, line: Int, into output: inout JSONWriter) {
        output.raw("{\"line\":")
        output.integer(line)
        output.raw(",\"eventName\":")
        output.string(record.eventName)
        output.raw(",\"behavior\":")
        output.string(record.behavior.rawValue)
        output.raw(",\"decidedBy\":")
        output.string(record.behaviorBasis.description)
        if let error = record.tags[PageNormalizer.errorTag] {
            output.raw(",\"error\":")
            output.string(error)
        }
        output.raw(UInt8(ascii: "}"))
    }

    private func flush(_ output: inout [UInt8]) throws {
        var offset = 0
        while offset < output.count {
            let written = output.withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw ExitCode(3)  // stdout closed (e.g. `| head`): nothing more to do
            }
            offset += written
        }
        output.removeAll(keepingCapacity: true)
    }
}
