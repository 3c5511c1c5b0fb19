import RelayCore

/// Where one (source, stream) stands, serialized into the cursor string the pipeline commits
/// through the record log only after the page carrying it is durable. Vendor page tokens and next
/// URLs are kept verbatim as strings (Box's stream position exceeds 2^53 and breaks as a double).
public struct PollState: Sendable, Equatable {
    /// Everything before this time has been delivered; the next window starts here (minus lookback).
    public var since: Timestamp
    /// The newest event delivered so far (time and vendor id): the lag gauge and tie-breaks.
    public var watermark: Watermark?
    /// A window being paged through; nil between windows.
    public var window: Window?
    /// The backfill start: nothing older is ever asked for, even by `lookback` (so `backfill: none`
    /// really fetches no history).
    public var floor: Timestamp?

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

    public init(since: Timestamp, watermark: Watermark? = nil, window: Window? = nil, floor: Timestamp? = nil) {
        self.since = since
        self.watermark = watermark
        self.window = window
        self.floor = floor
    }

    static let version = 1

    /// `{"v":1,"since":"…","floor":"…","wm":{"t":"…","id":"…"},"win":{"from":"…","to":"…","next":"…"}}`
    public var encoded: String {
        var writer = JSONWriter(capacity: 256)
        writer.raw("{\"v\":")
        writer.integer(Self.version)
        writer.raw(",\"since\":")
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
        writer.raw(UInt8(ascii: "}"))
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// Parses `encoded`; nil for anything else (the poller then reports the cursor as unusable).
    public init?(decoding text: String) {
        let document = JSONDocument()
        guard let root = try? document.parse(Array(text.utf8)), root["v"]?.int64 == Int64(Self.version),
              let since = Timestamp(json: root["since"]) else { return nil }
        self.since = since
        if let floor = root["floor"] {
            guard let time = Timestamp(json: floor) else { return nil }
            self.floor = time
        }
        if let mark = root["wm"] {
            guard let time = Timestamp(json: mark["t"]), let id = mark["id"]?.string else { return nil }
            watermark = Watermark(time: time, id: id)
        }
        if let window = root["win"] {
            guard let from = Timestamp(json: window["from"]), let to = Timestamp(json: window["to"]),
                  let next = window["next"]?.string else { return nil }
            self.window = Window(from: from, to: to, next: next)
        }
    }
}
