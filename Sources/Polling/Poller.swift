import Foundation
import Logging
import RelayCore

/// The generic polled source: a connector's streams (one `VendorAPI` each) plus the kit. Each
/// call fetches one page of one stream, taking the streams in turn so a long backfill of one does
/// not starve the others; all of them share the source's rate budget (the vendor's limit is per
/// tenant). A page's cursor is the whole `SourceCursor` after it, so the pipeline commits every
/// stream's progress only together with durable records.
///
/// Duplicates (a lookback overlap, a page fetched again after a crash) are not filtered here: the
/// pipeline drops them against the spool's persisted dedupe window, committed atomically with
/// each page, which is the one layer that survives a restart.
///
/// Concurrency: the pipeline calls `nextPage` from one task at a time per source.
public struct Poller: AuditSource {
    public let streams: [any VendorAPI]
    public let settings: PollSettings
    public let metrics: PollMetrics
    let requester: PollRequester
    let clock: any PollClock
    let logger: Logger
    private let memory: PollerMemory
    private let refreshToken: RotatingRefreshToken?
    private let catchUp: CatchUpBoard

    public var id: String { settings.id }
    public var interval: Duration { settings.interval }
    public var sourceType: String { streams.first?.sourceType ?? "" }

    public init(streams: [any VendorAPI], settings: PollSettings, authenticator: any Authenticator, http: (any HTTPSending)? = nil,
                clock: any PollClock = SystemPollClock(), logger: Logger = Logger(label: "auditrelay.poll")) {
        precondition(!streams.isEmpty, "a polled source has at least one stream")
        var logger = logger
        logger[metadataKey: "source"] = "\(settings.id)"
        self.streams = streams
        self.settings = settings
        self.clock = clock
        self.logger = logger
        self.metrics = PollMetrics(source: settings.id)
        self.memory = PollerMemory()
        self.catchUp = CatchUpBoard(source: settings.id, logger: logger)
        self.refreshToken = authenticator.rotatingRefreshToken
        self.requester = PollRequester(settings: settings, authenticator: authenticator, http: http ?? HTTPClient(options: settings.http),
                                       clock: clock, metrics: metrics, logger: logger)
    }

    public init(api: any VendorAPI, settings: PollSettings, authenticator: any Authenticator, http: (any HTTPSending)? = nil,
                clock: any PollClock = SystemPollClock(), logger: Logger = Logger(label: "auditrelay.poll")) {
        self.init(streams: [api], settings: settings, authenticator: authenticator, http: http, clock: clock, logger: logger)
    }

    public func nextPage(after cursor: String?) async throws -> RawPage? {
        let now = clock.now()
        var source = SourceCursor()
        if let cursor {
            guard let decoded = SourceCursor(decoding: cursor, defaultStream: streams[0].stream) else {
                throw PollError(.invalidRequest(reason: "the committed cursor is not a poll state of this version; reset it with `auditrelay cursor reset`"), endpoint: settings.baseURL)
            }
            source = decoded
            if let sealed = decoded.sealedCredential, let refreshToken, await memory.takeCredentialRestore() {
                if !refreshToken.restore(sealed: sealed) {
                    logger.warning("the refresh token saved with the cursor cannot be opened (was the client secret changed?); using the configured one")
                }
            }
        }
        let start = settings.backfill.start(now: now).wholeSeconds
        for api in streams where source.streams[api.stream] == nil {
            source.streams[api.stream] = PollState(since: start, floor: start)
        }

        // Where a catch-up starts: each stream's position when this process first sees it.
        for api in streams where !catchUp.knows(api.stream) {
            if let state = source.streams[api.stream] { await observeProgress(api, state: state, now: now) }
        }

        let first = await memory.nextStreamIndex(count: streams.count)
        for step in 0..<streams.count {
            let index = (first + step) % streams.count
            let api = streams[index]
            guard var state = source.streams[api.stream], await !memory.isUnavailable(api.stream) else { continue }
            let polled: RawPage?
            do {
                polled = try await poll(api, state: &state, now: now, force: false)
            } catch let error as PollError where error.isStreamUnavailable {
                // Reported once; the other streams go on. A restart asks again (a licence may have been added).
                logger.error("\(error)", metadata: ["stream": "\(api.stream)"])
                await memory.setUnavailable(api.stream)
                continue
            }
            guard let page = polled else { continue }
            await memory.served(index: index, count: streams.count)
            source.streams[api.stream] = state
            await observeProgress(api, state: state, now: now)
            source.sealedCredential = refreshToken?.sealed() ?? source.sealedCredential
            var result = page
            result.cursor = source.encoded
            return result
        }
        // Nothing to ask for now: every stream's gauges follow now (a caught-up stream's
        // behind-seconds would otherwise stand still).
        for api in streams { if let state = source.streams[api.stream] { await observeProgress(api, state: state, now: now) } }
        // Nothing to ask for yet. On the very first poll, commit the starting point anyway, or
        // `backfill: none` would start from a new "now" at every poll and never fetch.
        guard cursor == nil else { return nil }
        return RawPage(sourceType: sourceType, stream: streams[0].stream, body: [], events: [], cursor: source.encoded, receivedAt: now)
    }

    /// One page of `api`'s stream, or nil when the stream has nothing to ask for now.
    /// - Parameter force: ask even if the stream completed a cycle within `interval` (after a fallback).
    /// - Parameter setUpAgain: the vendor already dropped the stream's `StreamSetup` once in this call.
    private func poll(_ api: any VendorAPI, state: inout PollState, now: Timestamp, force: Bool, setUpAgain: Bool = false) async throws -> RawPage? {
        if let reference = api.referenceData, await memory.referenceDue(api.stream, now: now) {
            do {
                try reference.apply(try await requester.fetchDocument(reference.request, api: api))
                await memory.referenceFetched(api.stream, next: now.plus(reference.refreshEvery))
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                logger.warning("could not fetch the stream's reference data; events go on without it",
                               metadata: ["stream": "\(api.stream)", "error": "\(error)", "retryIn": "\(reference.retryAfterFailure)"])
                await memory.referenceFetched(api.stream, next: now.plus(reference.retryAfterFailure))
            }
        }
        let window: PollWindow
        let request: HTTPRequest
        let token: String?
        var startsCycle = false
        if let open = state.window {
            window = PollWindow(from: open.from, to: open.to)
            // "" is a token-paged listing's first page, kept while its documents are read.
            token = open.next.isEmpty && !api.paging.followsURLs ? nil : open.next
            request = api.paging.followsURLs ? Self.get(open.next) : try api.request(window: window, pageToken: token, pageSize: settings.pageSize)
        } else {
            if !force, await memory.completedRecently(api.stream, now: now, interval: settings.interval) { return nil }
            if api.progress == .resumable, let position = state.position {
                window = PollWindow(from: state.since, to: now)
                token = position
                request = api.paging.followsURLs ? Self.get(position) : try api.request(window: window, pageToken: position, pageSize: settings.pageSize)
                startsCycle = true
            } else {
                let retention = api.retention ?? settings.retention
                if let gap = Gap.check(since: state.since, now: now, retention: retention, firstRun: state.lastSuccess == nil && state.watermark == nil) {
                    return gapPage(gap, api: api, state: &state, now: now)
                }
                let lag = max(settings.lag(for: api.stream), api.minimumLag)
                // Never closer to the retention boundary than the gap check allows (Veeva refuses a start_date
                // even a second past its 30 days).
                let from = max(state.since.minus(settings.lookback(for: api.stream)), state.floor ?? .zero,
                               now.minus(retention).plus(Gap.safetyMargin)).wholeSeconds
                // A resumable stream's first request only names where to start (`since`).
                var to = (api.progress == .resumable ? now : now.minus(lag)).wholeSeconds
                if let maximum = api.maximumWindow, api.progress != .resumable { to = min(to, from.plus(maximum).wholeSeconds) }
                guard from < to, state.since < to else {
                    await memory.markCompleted(api.stream, now: now)
                    return nil
                }
                window = PollWindow(from: from, to: to)
                token = nil
                request = try api.request(window: window, pageToken: nil, pageSize: settings.pageSize)
                startsCycle = true
            }
        }
        if startsCycle { await memory.cycleStarted(api.stream) }

        if let setup = api.setup, await memory.setupDue(api.stream) {
            try await requester.perform(setup, api: api)
            await memory.setupDone(api.stream)
        }
        let fetched: FetchedPage
        do {
            if let listing = api.contents {
                return try await pollContents(api, listing: listing, state: &state, window: window, request: request, token: token, now: now)
            }
            fetched = try await requester.fetchPage(request, api: api, currentToken: token)
        } catch let error as PollError where error.isRejectedCursor {
            fallBack(api, state: &state, error: error)
            // Commit the fallback even when the fresh start has nothing to fetch yet, or the dead
            // token would come back with the old cursor.
            return try await poll(api, state: &state, now: now, force: true)
                ?? RawPage(sourceType: api.sourceType, stream: api.stream, body: [], events: [], cursor: nil, receivedAt: now)
        } catch let error as PollError where error.isSetupLost && !setUpAgain {
            // Microsoft disables a subscription (tenant changes, long inactivity): start it again and
            // carry on where the stream stands, saying so.
            logger.warning("the vendor dropped what the stream needs; setting it up again",
                           metadata: ["stream": "\(api.stream)", "error": "\(error)"])
            metrics.update { $0.setupRestarts += 1 }
            await memory.setupNeeded(api.stream)
            return try await poll(api, state: &state, now: now, force: true, setUpAgain: true)
        }

        received(fetched.events, state: &state)
        state.lastSuccess = now

        if api.progress == .resumable {
            if case .page(let next) = fetched.next { state.position = next }
            state.window = nil
            let cycleDone: Bool
            if case .page = fetched.next { cycleDone = fetched.events.count < settings.pageSize } else { cycleDone = true }
            if cycleDone {
                state.since = max(state.since, state.watermark?.time.wholeSeconds ?? state.since)
                await memory.markCompleted(api.stream, now: now)
            }
        } else if case .page(let next) = fetched.next {
            state.window = PollState.Window(from: window.from, to: window.to, next: next)
        } else {
            await finish(window, api: api, state: &state, now: now)
        }
        return RawPage(sourceType: api.sourceType, stream: api.stream, body: fetched.body, events: fetched.events.map(\.range), cursor: nil, receivedAt: now)
    }

    /// The last page of `window` is committed with this state: only now, with every page of the
    /// window fetched (and each committed before the next is asked for), does the stream move on,
    /// so newest-first windows never skip.
    private func finish(_ window: PollWindow, api: any VendorAPI, state: inout PollState, now: Timestamp) async {
        state.window = nil
        state.since = max(state.since, window.to)
        // Documents created before the next window's start cannot be listed again.
        let oldest = state.since.minus(settings.lookback(for: api.stream)).microseconds / 1_000_000
        state.fetchedDocuments = state.fetchedDocuments.filter { $0.value >= oldest }
        // A window cut short by `maximumWindow` is not "caught up": the next one follows at once.
        let end = now.minus(max(settings.lag(for: api.stream), api.minimumLag)).wholeSeconds
        if api.maximumWindow == nil || window.to >= end { await memory.markCompleted(api.stream, now: now) }
    }

    /// Reports where `api`'s stream stands against now (see `CatchUpBoard`). The stream's time
    /// cursor is `since` for newest-first windows (their events arrive newest first, so only a
    /// finished window says how far the stream got) and otherwise the later of `since` and the
    /// newest event seen, which for opaque-token streams (resumable positions) is all there is.
    /// Once a cycle reached the end, the stream counts as caught up even if its newest event is
    /// old (a quiet tenant), and the cursor is at least that cycle's end.
    private func observeProgress(_ api: any VendorAPI, state: PollState, now: Timestamp) async {
        var position = state.since
        if api.progress != .windows(order: .newestFirst), let newest = state.watermark?.time { position = max(position, newest) }
        let lag = max(settings.lag(for: api.stream), api.minimumLag)
        let completed = await memory.caughtUpAt(api.stream)
        if let completed { position = max(position, completed.minus(lag)) }
        // Behind by more than a few cycles (plus the lag the stream keeps on purpose) is catching up.
        let threshold = max(.seconds(300), settings.interval * 3) + lag
        catchUp.observe(stream: api.stream, threshold: threshold, position: position, now: now,
                        caughtUp: completed != nil, firstRun: state.lastSuccess == nil)
    }

    /// The stream's backfill or catch-up progress as last observed (what the gauges show).
    public func progress(stream: String) -> CatchUpProgress? { catchUp.progress(stream: stream) }

    /// Events of a page now in hand: the newest moves the stream's watermark, all are counted.
    private func received(_ events: [FetchedPage.Event], state: inout PollState) {
        for event in events {
            if let time = event.time, time >= (state.watermark?.time ?? .zero) {
                state.watermark = PollState.Watermark(time: time, id: event.id)
            }
        }
        metrics.update { $0.eventsFetched += events.count }
    }

    /// After a step of a list-then-fetch stream: stay on this listing page while it has documents
    /// left, else go to the next listing page, else the window is done.
    private func moveOn(from page: ContentListing.Page, documentsLeft: Bool, stay: PollState.Window, window: PollWindow,
                        api: any VendorAPI, state: inout PollState, now: Timestamp) async {
        if documentsLeft {
            state.window = stay
        } else if case .page(let next) = page.next {
            state.window = PollState.Window(from: window.from, to: window.to, next: next)
        } else {
            await finish(window, api: api, state: &state, now: now)
        }
    }

    /// One step of a list-then-fetch stream (see `ContentListing`): the listing page at `request`
    /// (kept in memory while its documents are fetched), then its next documents not fetched yet,
    /// `parallel` at a time, as one page of events. The window moves to the next listing page only
    /// when every document of this one is delivered (or recorded as a gap).
    private func pollContents(_ api: any VendorAPI, listing: ContentListing, state: inout PollState, window: PollWindow,
                              request: HTTPRequest, token: String?, now: Timestamp) async throws -> RawPage {
        let page: ContentListing.Page
        if let kept = await memory.listing(api.stream, url: request.url) {
            page = kept
        } else {
            page = try await requester.fetchListing(request, api: api, listing: listing, currentToken: token)
            await memory.keep(page, stream: api.stream, url: request.url)
        }
        state.lastSuccess = now
        let pending = page.entries.filter { state.fetchedDocuments[$0.digest] == nil }
        // What brings this listing page back: its URL, or its token ("" for a window's first page).
        let stayOnThisPage = PollState.Window(from: window.from, to: window.to, next: api.paging.followsURLs ? request.url : token ?? "")

        let expired = pending.filter { $0.expiration.map { $0 <= now } ?? false }
        if !expired.isEmpty {
            for entry in expired { state.fetchedDocuments[entry.digest] = entry.createdSeconds }
            state.window = stayOnThisPage
            let from = expired.map(\.created).min() ?? now, to = expired.compactMap(\.expiration).max() ?? now
            logger.warning("listed documents expired before they could be fetched; recording a gap",
                           metadata: ["stream": "\(api.stream)", "documents": "\(expired.count)", "from": "\(from)"])
            return gapRecord(from: from, to: max(to, from), reason: .contentExpired, api: api, now: now)
        }

        if case .csv(let rowIDKey) = listing.format, !pending.isEmpty {
            return try await pollCSV(api, listing: listing, rowIDKey: rowIDKey, page: page, pending: pending, state: &state, window: window,
                                     stay: stayOnThisPage, listingURL: request.url, now: now)
        }
        let batch = Array(pending.prefix(listing.parallel))
        var fetched = [FetchedPage?](repeating: nil, count: batch.count)
        try await withThrowingTaskGroup(of: (Int, FetchedPage?).self) { group in
            for (index, entry) in batch.enumerated() {
                group.addTask { [requester] in (index, try await requester.fetchContent(entry, api: api, listing: listing)) }
            }
            for try await (index, result) in group { fetched[index] = result }
        }
        var body: [UInt8] = []
        var ranges: [Range<Int>] = []
        var expiredNow: [ContentListing.Entry] = []
        for (entry, document) in zip(batch, fetched) {
            guard let document else {
                expiredNow.append(entry)  // answered as expired: a gap on the next step
                continue
            }
            received(document.events, state: &state)
            ranges += document.events.map { ($0.range.lowerBound + body.count)..<($0.range.upperBound + body.count) }
            body += document.body
            state.fetchedDocuments[entry.digest] = entry.createdSeconds
        }
        if !expiredNow.isEmpty { await memory.markExpired(expiredNow, stream: api.stream, url: request.url, now: now) }
        await moveOn(from: page, documentsLeft: pending.count > batch.count || !expiredNow.isEmpty, stay: stayOnThisPage,
                     window: window, api: api, state: &state, now: now)
        return RawPage(sourceType: api.sourceType, stream: api.stream, body: body, events: ranges, cursor: nil, receivedAt: now)
    }

    /// One page of rows of a CSV document (see `ContentListing`): the document the cursor says is
    /// being read, else the listing page's first one not fetched yet. The document counts as
    /// fetched only with its last page; until then the cursor holds its rows delivered.
    private func pollCSV(_ api: any VendorAPI, listing: ContentListing, rowIDKey: String?, page: ContentListing.Page, pending: [ContentListing.Entry],
                         state: inout PollState, window: PollWindow, stay: PollState.Window, listingURL: String, now: Timestamp) async throws -> RawPage {
        if let progress = state.document, !pending.contains(where: { $0.digest == progress.digest }) {
            if state.fetchedDocuments[progress.digest] == nil {
                logger.warning("the CSV document being read is no longer listed; its remaining rows cannot be read",
                               metadata: ["stream": "\(api.stream)", "document": "\(progress.digest)", "rowsDelivered": "\(progress.rows)"])
            }
            state.document = nil
        }
        guard let entry = pending.first(where: { $0.digest == state.document?.digest }) ?? pending.first else {
            return RawPage(sourceType: api.sourceType, stream: api.stream, body: [], events: [], cursor: nil, receivedAt: now)
        }
        let delivered = state.document?.rows ?? 0
        let rows: CSVDocumentStream.Page
        let document: CSVDocumentStream
        do {
            guard let opened = try await openCSV(entry, api: api, listing: listing, rowIDKey: rowIDKey, delivered: delivered) else {
                // Answered as expired: a gap record on the next step, like a listed expiry.
                await memory.markExpired([entry], stream: api.stream, url: listingURL, now: now)
                state.document = nil
                state.window = stay
                return RawPage(sourceType: api.sourceType, stream: api.stream, body: [], events: [], cursor: nil, receivedAt: now)
            }
            document = opened
            rows = try document.nextPage(maxRows: settings.pageSize, maxBytes: listing.pageBytes, idPath: api.idPath, timePath: api.timePath, rowIDKey: rowIDKey)
        } catch {
            // Never read on past a failure: the next attempt downloads the document again.
            await memory.closeDocument(api.stream)
            throw error
        }
        state.lastSuccess = now
        received(rows.fetched.events, state: &state)
        if rows.last {
            state.fetchedDocuments[entry.digest] = entry.createdSeconds
            state.document = nil
            await memory.closeDocument(api.stream)
            await moveOn(from: page, documentsLeft: pending.count > 1, stay: stay, window: window, api: api, state: &state, now: now)
        } else {
            state.document = PollState.DocumentProgress(digest: entry.digest, rows: document.delivered)
            state.window = stay
        }
        return RawPage(sourceType: api.sourceType, stream: api.stream, body: rows.fetched.body, events: rows.fetched.events.map(\.range), cursor: nil, receivedAt: now)
    }

    /// The CSV document `entry`, positioned after its first `delivered` rows: the one this process
    /// is reading when it stands there, else read again from its file, else downloaded (again).
    /// Nil when the vendor answers that the document expired.
    private func openCSV(_ entry: ContentListing.Entry, api: any VendorAPI, listing: ContentListing, rowIDKey: String?,
                         delivered: Int64) async throws -> CSVDocumentStream? {
        if let open = await memory.document(api.stream), open.entry.digest == entry.digest {
            if open.delivered == delivered { return open }
            // Asked again from an older cursor (the page after it was not committed): the file is still here.
            if let again = try? CSVDocumentStream(path: open.path, entry: entry, rowIDKey: rowIDKey), (try? again.skip(to: delivered)) == delivered {
                await memory.keepDocument(again, stream: api.stream)
                return again
            }
        }
        await memory.closeDocument(api.stream)
        let directory = settings.downloadDirectory ?? FileManager.default.temporaryDirectory.path
        let prefix = "auditrelay-\(ContentListing.Entry.digest(settings.id))-"
        if await memory.takeDownloadCleanup() { Self.removeLeftovers(in: directory, prefix: prefix, logger: logger) }
        let path = "\(directory)/\(prefix)\(ContentListing.Entry.digest(api.stream))-\(entry.digest).csv"
        do {
            guard try await requester.download(entry, to: path, api: api, listing: listing) else {
                _ = unlink(path)
                return nil
            }
            let document = try CSVDocumentStream(path: path, entry: entry, rowIDKey: rowIDKey)
            let skipped = try document.skip(to: delivered)
            if skipped < delivered {
                logger.warning("the CSV document has fewer rows than were already delivered from it; it is taken as read",
                               metadata: ["stream": "\(api.stream)", "document": "\(entry.id)", "rows": "\(skipped)", "rowsDelivered": "\(delivered)"])
            }
            await memory.keepDocument(document, stream: api.stream)
            return document
        } catch {
            _ = unlink(path)
            throw error
        }
    }

    /// Files a previous run of this source left behind (killed while reading a document).
    static func removeLeftovers(in directory: String, prefix: String, logger: Logger) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for name in names where name.hasPrefix(prefix) && name.hasSuffix(".csv") {
            if unlink("\(directory)/\(name)") == 0 {
                logger.info("removed a download left by an earlier run", metadata: ["file": "\(name)"])
            }
        }
    }

    /// The vendor rejected a stored page token or position: start the stream again from its time
    /// watermark minus lookback (ascending streams), or from the window's start (newest-first
    /// windows, whose watermark says nothing about what is still missing). Never skips; the
    /// overlap is dropped as duplicates.
    private func fallBack(_ api: any VendorAPI, state: inout PollState, error: PollError) {
        let resumeAt: Timestamp
        switch api.progress {
        case .windows(order: .newestFirst):
            resumeAt = state.since
        case .windows(order: .ascending), .resumable:
            resumeAt = max(state.since, state.watermark?.time.wholeSeconds ?? state.since)
        }
        logger.warning("the vendor rejected the stored cursor; resuming from the time watermark minus lookback",
                       metadata: ["stream": "\(api.stream)", "error": "\(error)", "resumeAt": "\(resumeAt.minus(settings.lookback(for: api.stream)))"])
        metrics.update { $0.cursorFallbacks += 1 }
        state.since = resumeAt
        state.window = nil
        state.position = nil
    }

    /// A page holding one `auditrelay.gap` event for the interval that can no longer be fetched;
    /// it moves `since` to the retention floor.
    private func gapPage(_ gap: Gap, api: any VendorAPI, state: inout PollState, now: Timestamp) -> RawPage {
        logger.warning("events older than the vendor's retention cannot be fetched; recording a gap",
                       metadata: ["stream": "\(api.stream)", "from": "\(gap.from)", "to": "\(gap.to)", "reason": "\(gap.reason.rawValue)"])
        state.since = gap.to
        state.window = nil
        state.position = nil
        return gapRecord(from: gap.from, to: gap.to, reason: gap.reason, api: api, now: now)
    }

    /// A page holding one `auditrelay.gap` event, counted in the gap metrics.
    private func gapRecord(from: Timestamp, to: Timestamp, reason: Gap.Reason, api: any VendorAPI, now: Timestamp) -> RawPage {
        metrics.update {
            $0.gaps += 1
            $0.gapSeconds += to.duration(since: from).seconds
        }
        let body = GapEvent.json(sourceID: settings.id, sourceType: api.sourceType, stream: api.stream, from: from, to: to, reason: reason.rawValue)
        return RawPage(sourceType: api.sourceType, stream: GapEvent.stream, body: body, events: [0..<body.count], cursor: nil, receivedAt: now)
    }

    static func get(_ url: String) -> HTTPRequest {
        HTTPRequest(method: .get, url: url, headers: [("Accept", "application/json")])
    }
}

/// The poller's in-process memory: when each stream last completed a cycle (so a caught-up stream
/// rests for its interval), whose turn it is, and whether the cursor's credential was restored.
actor PollerMemory {
    private var lastCompleted: [String: Timestamp] = [:]
    private var caughtUp: [String: Timestamp] = [:]
    private var nextIndex = 0
    private var credentialRestored = false
    private var referenceDueAt: [String: Timestamp] = [:]
    private var setUp: Set<String> = []
    private var unavailable: Set<String> = []

    func isUnavailable(_ stream: String) -> Bool { unavailable.contains(stream) }
    func setUnavailable(_ stream: String) { unavailable.insert(stream) }
    /// Per list-then-fetch stream, the listing page being worked through (URL and page).
    private var listings: [String: (url: String, page: ContentListing.Page)] = [:]
    /// Per CSV list-then-fetch stream, the document being read.
    private var documents: [String: CSVDocumentStream] = [:]
    private var downloadsCleaned = false

    func document(_ stream: String) -> CSVDocumentStream? { documents[stream] }
    func keepDocument(_ document: CSVDocumentStream, stream: String) { documents[stream] = document }

    /// Forgets the stream's document and removes its file.
    func closeDocument(_ stream: String) {
        documents.removeValue(forKey: stream)?.remove()
    }

    /// True once: leftovers of an earlier run are removed before this run's first download.
    func takeDownloadCleanup() -> Bool {
        defer { downloadsCleaned = true }
        return !downloadsCleaned
    }

    func setupDue(_ stream: String) -> Bool { !setUp.contains(stream) }
    func setupDone(_ stream: String) { setUp.insert(stream) }
    func setupNeeded(_ stream: String) { setUp.remove(stream) }

    func listing(_ stream: String, url: String) -> ContentListing.Page? {
        guard let kept = listings[stream], kept.url == url else { return nil }
        return kept.page
    }

    func keep(_ page: ContentListing.Page, stream: String, url: String) { listings[stream] = (url, page) }

    /// Documents the vendor answered as expired: listed from now on with their expiry passed.
    func markExpired(_ entries: [ContentListing.Entry], stream: String, url: String, now: Timestamp) {
        guard var kept = listings[stream], kept.url == url else { return }
        let ids = Set(entries.map(\.id))
        for index in kept.page.entries.indices where ids.contains(kept.page.entries[index].id) {
            kept.page.entries[index].expiration = now.minus(.seconds(1))
        }
        listings[stream] = kept
    }

    func referenceDue(_ stream: String, now: Timestamp) -> Bool { now >= (referenceDueAt[stream] ?? .zero) }

    func referenceFetched(_ stream: String, next: Timestamp) { referenceDueAt[stream] = next }

    func completedRecently(_ stream: String, now: Timestamp, interval: Duration) -> Bool {
        guard let completed = lastCompleted[stream] else { return false }
        return now.duration(since: completed) < interval
    }

    func markCompleted(_ stream: String, now: Timestamp) {
        lastCompleted[stream] = now
        caughtUp[stream] = now
    }

    /// When the stream's current cycle reached the end of what it may ask for; nil while a cycle runs.
    func caughtUpAt(_ stream: String) -> Timestamp? { caughtUp[stream] }
    func cycleStarted(_ stream: String) { caughtUp[stream] = nil }

    func nextStreamIndex(count: Int) -> Int { nextIndex % max(count, 1) }

    func served(index: Int, count: Int) { nextIndex = (index + 1) % max(count, 1) }

    /// True once: the first committed cursor's credential is the newest (later pages carry our own).
    func takeCredentialRestore() -> Bool {
        defer { credentialRestored = true }
        return !credentialRestored
    }
}
