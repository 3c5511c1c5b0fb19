import RelayCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a vendor knows about itself, used as defaults for the common settings.
public struct VendorDefaults: Sendable {
    public var baseURL: String?
    public var backfill: Backfill
    /// How long the vendor keeps events: backfill and resumes are clamped to it (with a gap record).
    public var retention: Duration
    /// Settle delay: only ask for events older than now − lag.
    public var lag: Duration
    /// Overlap re-read at the start of every window, deduplicated by vendor event id.
    public var lookback: Duration
    public var pageSize: Int
    public var requestsPerSecond: Double
    public var burst: Int
    /// The share of the vendor's reported limit we take (Salesforce: 10% of the org's daily allocation).
    public var rateShare: Double

    /// A vendor names what its documentation says (retention, page size, rate) and what differs
    /// from the usual: a day of backfill, 30 s lag, 5 minutes of lookback, bursts of 5.
    public init(baseURL: String? = nil, backfill: Backfill = .duration(.seconds(86_400)), retention: Duration, lag: Duration = .seconds(30),
                lookback: Duration = .seconds(300), pageSize: Int, requestsPerSecond: Double, burst: Int = 5, rateShare: Double = 0.5) {
        self.baseURL = baseURL
        self.backfill = backfill
        self.retention = retention
        self.lag = lag
        self.lookback = lookback
        self.pageSize = pageSize
        self.requestsPerSecond = requestsPerSecond
        self.burst = burst
        self.rateShare = rateShare
    }
}

/// The settings every polled source has: `id`, `baseURL`, `interval`, `backfill`, `lag`,
/// `lookback`, `proxy`, `caBundle` (plus `retention`, `timeout`, `pageSize`, `requestsPerSecond`,
/// `rateShare`, and the hostile-response limits `maxResponseBytes` and `maxPageEvents`).
public struct PollSettings: Sendable {
    public var id: String
    public var baseURL: String
    public var interval: Duration
    public var backfill: Backfill
    public var retention: Duration
    public var lag: Duration
    public var lookback: Duration
    public var pageSize: Int
    public var requestsPerSecond: Double
    public var burst: Int
    /// The most of the vendor's reported rate limit (per period) we use, leaving the rest to the
    /// customer's other integrations on the same token or org. `rateShare: 50%` (the default).
    public var rateShare = 0.5
    public var http = HTTPOptions()
    public var retry = RetryTiming()
    /// Attempts per request before a transient failure is handed to the pipeline.
    public var maxAttempts = 6
    /// How long to wait before retrying after a permission error (a person must act first).
    public var permissionRetry: Duration = .seconds(300)
    /// Per-stream `lag` and `lookback` (`streamSettings: {administrator: {lag: 5m}}`); a stream
    /// not named uses the source's.
    public var streamTimings: [String: StreamTiming] = [:]
    /// Where list-then-fetch streams keep a CSV document while reading it
    /// (`downloadDirectory: /var/lib/auditrelay/downloads`); nil: the system's temporary directory.
    /// A document's file is removed once read, and left-overs of this source at its next start.
    public var downloadDirectory: String?
    /// A page (or listed document) with more events than this is refused, whatever its size in
    /// bytes: 5 million `{}` fit in 15 MB but would cost gigabytes as records. Vendors' own page
    /// sizes are at most a few thousand.
    public var maxPageEvents = 100_000
    /// The JSON values a page may hold, so its parse tape (16 bytes a value) stays bounded too:
    /// 4 million (64 MiB) at the default `maxPageEvents`.
    public var maxPageValues: Int { maxPageEvents * Self.valuesPerEvent }
    public static let valuesPerEvent = 40

    public struct StreamTiming: Sendable, Equatable {
        public var lag: Duration?
        public var lookback: Duration?
        public init(lag: Duration? = nil, lookback: Duration? = nil) {
            self.lag = lag
            self.lookback = lookback
        }
    }

    public func lag(for stream: String) -> Duration { streamTimings[stream]?.lag ?? lag }
    public func lookback(for stream: String) -> Duration { streamTimings[stream]?.lookback ?? lookback }

    public init(id: String, baseURL: String, defaults: VendorDefaults, interval: Duration = .seconds(60)) {
        self.id = id
        self.baseURL = baseURL
        self.interval = interval
        backfill = defaults.backfill
        retention = defaults.retention
        lag = defaults.lag
        lookback = defaults.lookback
        pageSize = defaults.pageSize
        requestsPerSecond = defaults.requestsPerSecond
        burst = defaults.burst
        rateShare = defaults.rateShare
    }

    /// Reads the common keys from `section`. `baseURL` is required unless the vendor has a default
    /// (`derivedBaseURL` is one computed from other keys, such as ConductorOne's client id).
    /// - Parameters:
    ///   - baseURLRequired: false when the connector reports a missing host itself (ConductorOne
    ///     derives it from the client id and names that key instead).
    public init(_ section: ConfigSection, defaults: VendorDefaults, derivedBaseURL: String? = nil, baseURLRequired: Bool = true) {
        let id = section.requiredString("id")
        var baseURL = section.string("baseURL") ?? derivedBaseURL ?? defaults.baseURL ?? ""
        while baseURL.hasSuffix("/") { baseURL.removeLast() }
        self.init(id: id, baseURL: baseURL, defaults: defaults, interval: section.duration("interval", default: .seconds(60)))
        if baseURL.isEmpty {
            if baseURLRequired { section.report("baseURL", "is required") }
        } else if URLParts(baseURL) == nil {
            section.report("baseURL", "\(section.quoted("baseURL")) is not an http(s) URL")
        }
        if interval < .seconds(1) { section.report("interval", "must be at least 1s") }
        if let text = section.string("backfill") {
            if let parsed = Backfill(text) { backfill = parsed } else {
                section.report("backfill", "\(section.quoted("backfill")) is not a duration (24h, 7d), an RFC 3339 time or none")
            }
        }
        retention = section.duration("retention", default: retention)
        lag = section.duration("lag", default: lag)
        lookback = section.duration("lookback", default: lookback)
        pageSize = section.integer("pageSize", default: pageSize, range: 1...defaults.pageSize)
        if let text = section.string("requestsPerSecond") {
            if let rate = Double(text), rate > 0, rate.isFinite { requestsPerSecond = rate } else {
                section.report("requestsPerSecond", "\(section.quoted("requestsPerSecond")) is not a positive number")
            }
        }
        if let text = section.string("rateShare") {
            let trimmed = text.trimmingASCIIWhitespace()
            let percent = trimmed.hasSuffix("%")
            if let value = Double(percent ? String(trimmed.dropLast()) : trimmed), value.isFinite,
               percent ? (1...100).contains(value) : (0.01...1).contains(value) {
                rateShare = percent ? value / 100 : value
            } else {
                section.report("rateShare", "\(section.quoted("rateShare")) is not a share of the vendor's rate limit (1%…100%, or 0.01…1)")
            }
        }
        if let map = section.section("streamSettings") {
            for stream in map.keys {
                guard let entry = map.section(stream) else { continue }
                streamTimings[stream] = StreamTiming(lag: entry.has("lag") ? entry.duration("lag", default: lag) : nil,
                                                     lookback: entry.has("lookback") ? entry.duration("lookback", default: lookback) : nil)
                entry.finish()
            }
            map.finish()
        }
        http.proxy = section.string("proxy")
        if let proxy = http.proxy, !proxy.contains("://") {
            section.report("proxy", "\(section.quoted("proxy")) is not a URL (use e.g. http://proxy.internal:3128)")
        }
        downloadDirectory = section.string("downloadDirectory")
        if let downloadDirectory, access(downloadDirectory, W_OK) != 0 {
            section.report("downloadDirectory", "\(section.quoted("downloadDirectory")) is not a writable directory: \(SystemError(errno: errno))")
        }
        http.caBundle = section.string("caBundle")
        if let caBundle = http.caBundle, access(caBundle, R_OK) != 0 {
            section.report("caBundle", "\(section.quoted("caBundle")) cannot be read: \(SystemError(errno: errno))")
        }
        http.totalTimeout = section.duration("timeout", default: http.totalTimeout)
        http.maxResponseBytes = Int(section.byteSize("maxResponseBytes", default: UInt64(http.maxResponseBytes)))
        if http.maxResponseBytes < 64 << 10 || http.maxResponseBytes > 1 << 30 {
            section.report("maxResponseBytes", "must be between 64KiB and 1GiB (a page is held in memory while it is parsed)")
        }
        maxPageEvents = section.integer("maxPageEvents", default: maxPageEvents, range: pageSize...10_000_000)
    }
}
