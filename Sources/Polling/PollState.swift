import RelayCore

/// Where one stream of a source stands. Vendor page tokens, next URLs and positions are kept
/// verbatim as strings (Box's stream position exceeds 2^53 and breaks as a double).
public struct PollState: Sendable, Equatable {
    /// Everything before this time has been delivered; the next window starts here (minus lookback).
    public var since: Timestamp
    /// The newest event delivered so far (time and vendor id): the lag gauge, and where a stream
    /// whose stored token the vendor rejects starts again (minus lookback).
    public var watermark: Watermark?
    /// A window being paged through; nil between windows.
    public var window: Window?
    /// The backfill start: nothing older is ever asked for, even by `lookback` (so `backfill: none`
    /// really fetches no history).
    public var floor: Timestamp?
    /// A resumable stream's long-lived vendor position (Okta's last `next` link).
    public var position: String?
    /// When a page of this stream was last fetched successfully.
    public var lastSuccess: Timestamp?
    /// List-then-fetch streams: the documents already fetched (`ContentListing.Entry.digest` →
    /// creation time in seconds), kept while the lookback can list them again.
    public var fetchedDocuments: [String: Int64] = [:]
    /// List-then-fetch streams of CSV documents: the document being read and how many of its rows
    /// were delivered (committed with each page, so a restart skips exactly those).
    public var document: DocumentProgress?

    /// A CSV document read part way: its `ContentListing.Entry.digest` and the data rows delivered.
    public struct DocumentProgress: Sendable, Equatable {
        public var digest: String
        public var rows: Int64
        public init(digest: String, rows: Int64) {
            self.digest = digest
            self.rows = rows
        }
    }

    public struct Watermark: Sendable, Equatable {
        public var time: Timestamp
        public var id: String
        public init(time: Timestamp, id: String) {
            self.time = time
            self.id = id
        }
    }

    /// The window [from, to) and the vendor's opaque pointer to its next page.
    public struct Window: Sendable, Equatable {
        public var from: Timestamp
        public var to: Timestamp
        public var next: String
        public init(from: Timestamp, to: Timestamp, next: String) {
            self.from = from
            self.to = to
            self.next = next
        }
    }

    public init(since: Timestamp, watermark: Watermark? = nil, window: Window? = nil, floor: Timestamp? = nil,
                position: String? = nil, lastSuccess: Timestamp? = nil) {
        self.since = since
        self.watermark = watermark
        self.window = window
        self.floor = floor
        self.position = position
        self.lastSuccess = lastSuccess
    }

    func write(to writer: inout JSONWriter) {
        writer.raw("{\"since\":")
        writer.string(since.description)
        if let floor {
            writer.raw(",\"floor\":")
            writer.string(floor.description)
        }
        if let watermark {
            writer.raw(",\"wm\":{\"t\":")
            writer.string(watermark.time.description)
            writer.raw(",\"id\":")
            writer.string(watermark.id)
            writer.raw(UInt8(ascii: "}"))
        }
        if let window {
            writer.raw(",\"win\":{\"from\":")
            writer.string(window.from.description)
            writer.raw(",\"to\":")
            writer.string(window.to.description)
            writer.raw(",\"next\":")
            writer.string(window.next)
            writer.raw(UInt8(ascii: "}"))
        }
        if let position {
            writer.raw(",\"pos\":")
            writer.string(position)
        }
        if let lastSuccess {
            writer.raw(",\"ok\":")
            writer.string(lastSuccess.description)
        }
        if !fetchedDocuments.isEmpty {
            writer.raw(",\"docs\":{")
            for (index, digest) in fetchedDocuments.keys.sorted().enumerated() {
                if index > 0 { writer.raw(UInt8(ascii: ",")) }
                writer.string(digest)
                writer.raw(UInt8(ascii: ":"))
                writer.integer(fetchedDocuments[digest] ?? 0)
            }
            writer.raw(UInt8(ascii: "}"))
        }
        if let document {
            writer.raw(",\"doc\":{\"d\":")
            writer.string(document.digest)
            writer.raw(",\"rows\":")
            writer.integer(document.rows)
            writer.raw(UInt8(ascii: "}"))
        }
        writer.raw(UInt8(ascii: "}"))
    }

    init?(_ object: JSONValue) {
        guard let since = Timestamp(json: object["since"]) else { return nil }
        self.since = since
        if let floor = object["floor"] {
            guard let time = Timestamp(json: floor) else { return nil }
            self.floor = time
        }
        if let mark = object["wm"] {
            guard let time = Timestamp(json: mark["t"]), let id = mark["id"]?.string else { return nil }
            watermark = Watermark(time: time, id: id)
        }
        if let window = object["win"] {
            guard let from = Timestamp(json: window["from"]), let to = Timestamp(json: window["to"]),
                  let next = window["next"]?.string else { return nil }
            self.window = Window(from: from, to: to, next: next)
        }
        if let position = object["pos"] {
            guard let text = position.string else { return nil }
            self.position = text
        }
        if let ok = object["ok"] {
            guard let time = Timestamp(json: ok) else { return nil }
            lastSuccess = time
        }
        if let documents = object["docs"] {
            guard documents.kind == .object else { return nil }
            for (digest, created) in documents.members {
                guard let seconds = created.int64 else { return nil }
                fetchedDocuments[digest] = seconds
            }
        }
        // Absent from cursors written before CSV documents existed: nothing is being read.
        if let document = object["doc"] {
            guard let digest = document["d"]?.string, let rows = document["rows"]?.int64, rows >= 0 else { return nil }
            self.document = DocumentProgress(digest: digest, rows: rows)
        }
    }
}

extension PollState {
    /// This one stream's state as JSON, exactly as it appears inside `SourceCursor.encoded` (what
    /// cluster mode mirrors per stream to its state topic).
    public var encoded: String {
        var writer = JSONWriter(capacity: 128)
        write(to: &writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// Parses `encoded`; nil for anything else.
    public init?(decoding text: String) {
        let document = JSONDocument()
        guard let root = try? document.parse(Array(text.utf8)), root.kind == .object else { return nil }
        self.init(root)
    }
}

/// Where a whole source stands: each stream's `PollState`, and a credential the vendor rotated
/// (sealed, see `CredentialState`). Serialized into the cursor string the pipeline commits
/// through the record log only after the page carrying it is durable, so every stream's progress
/// and the rotated credential are committed atomically with the events.
public struct SourceCursor: Sendable, Equatable {
    public var streams: [String: PollState]
    /// The rotated refresh token, sealed with a key derived from the configured client secret.
    public var sealedCredential: String?

    public init(streams: [String: PollState] = [:], sealedCredential: String? = nil) {
        self.streams = streams
        self.sealedCredential = sealedCredential
    }

    static let version = 2

    /// `{"v":2,"streams":{"<stream>":{"since":…,"floor":…,"wm":{…},"win":{…},"pos":…,"ok":…}},"cred":"…"}`
    public var encoded: String {
        var writer = JSONWriter(capacity: 256)
        writer.raw("{\"v\":")
        writer.integer(Self.version)
        writer.raw(",\"streams\":{")
        for (index, name) in streams.keys.sorted().enumerated() {
            if index > 0 { writer.raw(UInt8(ascii: ",")) }
            writer.string(name)
            writer.raw(UInt8(ascii: ":"))
            streams[name]?.write(to: &writer)
        }
        writer.raw(UInt8(ascii: "}"))
        if let sealedCredential {
            writer.raw(",\"cred\":")
            writer.string(sealedCredential)
        }
        writer.raw(UInt8(ascii: "}"))
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// Parses `encoded`, or a version 1 single-stream cursor (taken as `defaultStream`'s state, so
    /// an upgrade resumes where the old version stopped); nil for anything else.
    public init?(decoding text: String, defaultStream: String) {
        let document = JSONDocument()
        guard let root = try? document.parse(Array(text.utf8)), let version = root["v"]?.int64 else { return nil }
        switch version {
        case 1:
            guard let state = PollState(root) else { return nil }
            self.init(streams: [defaultStream: state])
        case Int64(Self.version):
            guard let members = root["streams"], members.kind == .object else { return nil }
            var streams: [String: PollState] = [:]
            for (name, value) in members.members {
                guard let state = PollState(value) else { return nil }
                streams[name] = state
            }
            var sealed: String?
            if let credential = root["cred"] {
                guard let text = credential.string else { return nil }
                sealed = text
            }
            self.init(streams: streams, sealedCredential: sealed)
        default:
            return nil
        }
    }
}
