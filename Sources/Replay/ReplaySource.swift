import RelayCore

#if canImport(Glibc)
import Glibc
#endif

/// Replays recorded vendor events from `.jsonl` files as if they had been polled: the demo source,
/// the benchmark driver, and a way to re-ingest an export.
///
/// Formats: `emm` lines are `{"sourceType","stream","behavior","event"}` (the SaaS Event Maturity
/// Matrix samples) and the `event` object's exact bytes become the raw event; `ndjson` lines are raw
/// vendor events of the configured `sourceType`/`stream`. A page ends after `batchSize` events or
/// where the sourceType/stream changes. The cursor is `pass:file:offset`, so a restart resumes
/// after the last durable page. A line that is not valid JSON is passed on whole (the normalizer
/// turns it into a record flagged with the parse error) rather than dropped.
public struct ReplaySource: AuditSource {
    public struct Configuration: Sendable {
        public var id: String
        public var path: String
        public var format: Format
        public var sourceType: String
        public var stream: String
        public var batchSize: Int
        public var interval: Duration
        /// Replay the files this many times (benchmarks); each pass is a distinct cursor range.
        public var passes: Int

        public enum Format: String, Sendable { case emm, ndjson }

        public init(id: String, path: String, format: Format = .emm, sourceType: String = "", stream: String = "",
                    batchSize: Int = 1000, interval: Duration = .seconds(60), passes: Int = 1) {
            self.id = id
            self.path = path
            self.format = format
            self.sourceType = sourceType
            self.stream = stream
            self.batchSize = batchSize
            self.interval = interval
            self.passes = passes
        }

        public init(_ section: ConfigSection) {
            id = section.requiredString("id")
            path = section.requiredString("path")
            format = Format(rawValue: section.choice("format", ["emm", "ndjson"], default: "emm")) ?? .emm
            sourceType = section.string("sourceType", default: "")
            stream = section.string("stream", default: "")
            batchSize = section.integer("batchSize", default: 1000, range: 1...100_000)
            interval = section.duration("interval", default: .seconds(60))
            passes = section.integer("passes", default: 1, range: 1...1_000_000)
            if format == .ndjson && sourceType.isEmpty { section.report("sourceType", "is required when format is ndjson") }
            if !path.isEmpty && ReplayFiles.list(path).isEmpty {
                section.report("path", "no .jsonl file at \(section.quoted("path"))")
            }
        }
    }

    public let configuration: Configuration
    public var id: String { configuration.id }
    public var interval: Duration { configuration.interval }
    /// The cursor is exact (file and byte offset), and recorded samples reuse placeholder ids.
    public var deduplicates: Bool { false }
    /// Reading a page from a file costs no waiting: the pipeline reads it once a workspace is free.
    public var readsPagesLocally: Bool { true }
    private let files: [String]

    public init(configuration: Configuration) {
        self.configuration = configuration
        self.files = ReplayFiles.list(configuration.path)
    }

    public func nextPage(after cursor: String?) async throws -> RawPage? {
        var position = ReplayCursor(cursor) ?? ReplayCursor(pass: 0, file: files.first ?? "", offset: 0)
        while position.pass < configuration.passes {
            guard let fileIndex = files.firstIndex(where: { $0 >= position.file }) else {
                position = ReplayCursor(pass: position.pass + 1, file: files.first ?? "", offset: 0)
                continue
            }
            if files[fileIndex] != position.file { position = ReplayCursor(pass: position.pass, file: files[fileIndex], offset: 0) }
            if let page = try readPage(at: position) { return page }
            // File exhausted: move to the next one (or the next pass).
            if fileIndex + 1 < files.count {
                position = ReplayCursor(pass: position.pass, file: files[fileIndex + 1], offset: 0)
            } else {
                position = ReplayCursor(pass: position.pass + 1, file: files.first ?? "", offset: 0)
            }
        }
        return nil
    }

    private func readPage(at position: ReplayCursor) throws -> RawPage? {
        let reader = try LineReader(path: position.file, offset: position.offset)
        let document = JSONDocument()
        var body: [UInt8] = []
        var events: [Range<Int>] = []
        var pageType: (String, String)?
        var offset = position.offset
        while events.count < configuration.batchSize, let line = try reader.nextLine() {
            let (type, bytes) = split(line, document: document)
            if let current = pageType, current != type { break }
            pageType = type
            let start = body.count
            body.append(contentsOf: bytes)
            events.append(start..<body.count)
            offset += Int64(line.count) + 1
        }
        guard let pageType, !events.isEmpty else { return nil }
        let next = ReplayCursor(pass: position.pass, file: position.file, offset: offset)
        return RawPage(sourceType: pageType.0, stream: pageType.1, body: body, events: events, cursor: next.description)
    }

    /// The (sourceType, stream) and raw event bytes of one line.
    private func split(_ line: ArraySlice<UInt8>, document: JSONDocument) -> ((String, String), ArraySlice<UInt8>) {
        let configured = (configuration.sourceType, configuration.stream)
        guard configuration.format == .emm else { return (configured, line) }
        guard let root = try? document.parse(line), let event = root["event"] else {
            return (("", ""), line)
        }
        let type = (root["sourceType"]?.string ?? configured.0, root["stream"]?.string ?? configured.1)
        let raw = event.rawRange
        return (type, line[(line.startIndex + raw.lowerBound)..<(line.startIndex + raw.upperBound)])
    }
}

/// Position in the replay: pass number, file path, byte offset of the next line.
struct ReplayCursor: CustomStringConvertible, Equatable {
    var pass: Int
    var file: String
    var offset: Int64

    init(pass: Int, file: String, offset: Int64) {
        self.pass = pass
        self.file = file
        self.offset = offset
    }

    init?(_ text: String?) {
        guard let text else { return nil }
        let parts = text.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, let pass = Int(parts[0]), let lastColon = parts[1].lastIndex(of: ":"),
              let offset = Int64(parts[1][parts[1].index(after: lastColon)...]) else { return nil }
        self.init(pass: pass, file: String(parts[1][..<lastColon]), offset: offset)
    }

    var description: String { "\(pass):\(file):\(offset)" }
}

enum ReplayFiles {
    /// The file itself, or the sorted `.jsonl` files of a directory.
    static func list(_ path: String) -> [String] {
        var info = stat()
        guard stat(path, &info) == 0 else { return [] }
        if info.st_mode & S_IFMT != S_IFDIR { return [path] }
        guard let directory = opendir(path) else { return [] }
        defer { closedir(directory) }
        var files: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name.hasSuffix(".jsonl") { files.append(path.hasSuffix("/") ? path + name : path + "/" + name) }
        }
        return files.sorted()
    }
}
