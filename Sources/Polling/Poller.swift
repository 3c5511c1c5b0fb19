import Logging
import RelayCore

/// The generic polled source: a connector's `VendorAPI` plus the kit. One window at a time
/// ([since − lookback, now − lag)), paged to the end; each page becomes a `RawPage` whose cursor is
/// the `PollState` after it, so the pipeline commits progress only with durable records.
///
/// Concurrency: the pipeline calls `nextPage` from one task at a time per source.
public struct Poller<API: VendorAPI>: AuditSource {
    public let api: API
    public let settings: PollSettings
    public let metrics: PollMetrics
    let requester: PollRequester
    let clock: any PollClock
    let dedupe: any DedupeWindow
    let logger: Logger
    private let memory: PollerMemory

    public var id: String { settings.id }
    public var interval: Duration { settings.interval }

    public init(api: API, settings: PollSettings, authenticator: any Authenticator, http: (any HTTPSending)? = nil,
                clock: any PollClock = SystemPollClock(), dedupe: any DedupeWindow = MemoryDedupeWindow(),
                logger: Logger = Logger(label: "auditrelay.poll")) {
        var logger = logger
        logger[metadataKey: "source"] = "\(settings.id)"
        self.api = api
        self.settings = settings
        self.clock = clock
        self.dedupe = dedupe
        self.logger = logger
        self.metrics = PollMetrics(source: settings.id)
        self.memory = PollerMemory()
        self.requester = PollRequester(settings: settings, sourceType: api.sourceType, permissionHint: api.permissionHint,
                                       authenticator: authenticator, http: http ?? HTTPClient(options: settings.http),
                                       clock: clock, metrics: metrics, logger: logger)
    }

    public func nextPage(after cursor: String?) async throws -> RawPage? {
        // The pipeline passing the previous page's cursor back proves that page is durable.
        if let cursor, let delivered = await memory.takeDelivered(ifCommitted: cursor) {
            await dedupe.record(source: settings.id, ids: delivered)
        }
        let now = clock.now()
        var state: PollState
        if let cursor {
            guard let decoded = PollState(decoding: cursor) else {
                throw PollError(.invalidRequest(reason: "the committed cursor is not a poll state of this version; remove it to start from the backfill"), endpoint: settings.baseURL)
            }
            state = decoded
        } else {
            let start = settings.backfill.start(now: now).wholeSeconds
            state = PollState(since: start, floor: start)
        }

        let window: PollWindow
        let request: HTTPRequest
        if let open = state.window {
            window = PollWindow(from: open.from, to: open.to)
            request = api.paging.followsURLs
                ? HTTPRequest(method: .get, url: open.next, headers: [("Accept", "application/json")])
                : try api.request(window: window, pageToken: open.next, pageSize: settings.pageSize)
        } else {
            if await memory.completedRecently(now: now, interval: settings.interval) { return nil }
            if let gap = Gap.check(since: state.since, now: now, retention: settings.retention, firstRun: cursor == nil) {
                return gapPage(gap, state: &state)
            }
            let from = max(state.since.minus(settings.lookback), state.floor ?? .zero, now.minus(settings.retention)).wholeSeconds
            let to = now.minus(settings.lag).wholeSeconds
            guard from < to, state.since < to else {
                // Nothing to ask for yet. On the very first poll, commit the starting point anyway,
                // or `backfill: none` would start from a new "now" at every poll and never fetch.
                if cursor == nil {
                    return RawPage(sourceType: api.sourceType, stream: api.stream, body: [], events: [], cursor: state.encoded, receivedAt: now)
                }
                await memory.markCompleted(now: now)
                return nil
            }
            window = PollWindow(from: from, to: to)
            request = try api.request(window: window, pageToken: nil, pageSize: settings.pageSize)
        }

        let fetched = try await requester.fetchPage(request, api: api, currentToken: state.window?.next)
        let seen = await dedupe.contains(source: settings.id, ids: fetched.events.map(\.id))
        var ranges: [Range<Int>] = []
        var delivered: [String] = []
        for (index, event) in fetched.events.enumerated() where !(index < seen.count && seen[index]) {
            ranges.append(event.range)
            delivered.append(event.id)
            if let time = event.time, time >= (state.watermark?.time ?? .zero) {
                state.watermark = PollState.Watermark(time: time, id: event.id)
            }
        }
        let duplicates = fetched.events.count - ranges.count
        metrics.update {
            $0.eventsFetched += fetched.events.count
            $0.eventsDeduplicated += duplicates
        }

        // A vendor repeating the token it was just given would loop forever: treat it as the end.
        if let next = fetched.next, next != state.window?.next {
            state.window = PollState.Window(from: window.from, to: window.to, next: next)
        } else {
            state.window = nil
            state.since = max(state.since, window.to)
            await memory.markCompleted(now: now)
        }
        let encoded = state.encoded
        await memory.remember(delivered, cursor: encoded)
        return RawPage(sourceType: api.sourceType, stream: api.stream, body: fetched.body, events: ranges, cursor: encoded, receivedAt: now)
    }

    /// A page holding one `auditrelay.gap` event for the interval that can no longer be fetched;
    /// its cursor moves `since` to the retention floor.
    private func gapPage(_ gap: Gap, state: inout PollState) -> RawPage {
        let seconds = gap.to.duration(since: gap.from).seconds
        logger.warning("events older than the vendor's retention cannot be fetched; recording a gap",
                       metadata: ["from": "\(gap.from)", "to": "\(gap.to)", "reason": "\(gap.reason.rawValue)"])
        metrics.update {
            $0.gaps += 1
            $0.gapSeconds += seconds
        }
        state.since = gap.to
        state.window = nil
        let body = GapEvent.json(sourceID: settings.id, sourceType: api.sourceType, stream: api.stream,
                                 from: gap.from, to: gap.to, reason: gap.reason.rawValue)
        return RawPage(sourceType: api.sourceType, stream: GapEvent.stream, body: body, events: [0..<body.count], cursor: state.encoded, receivedAt: clock.now())
    }
}

/// The poller's in-process memory: when the last window completed (so a caught-up source rests
/// for its interval) and the ids of the last page until its cursor comes back committed.
actor PollerMemory {
    private var lastCompleted: Timestamp?
    private var pending: (cursor: String, ids: [String])?

    func completedRecently(now: Timestamp, interval: Duration) -> Bool {
        guard let lastCompleted else { return false }
        return now.duration(since: lastCompleted) < interval
    }

    func markCompleted(now: Timestamp) { lastCompleted = now }

    func remember(_ ids: [String], cursor: String) { pending = (cursor, ids) }

    func takeDelivered(ifCommitted cursor: String) -> [String]? {
        guard let pending, pending.cursor == cursor else { return nil }
        self.pending = nil
        return pending.ids
    }
}
