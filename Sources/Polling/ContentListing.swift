import RelayCore

/// List-then-fetch streams: each page of a window lists documents (by their creation time), and
/// the events are inside the documents, fetched separately with the same credential. Microsoft's
/// Management Activity API works this way: `subscriptions/content` lists content blobs, each blob
/// is an array of audit records.
///
/// How the kit reads such a stream:
/// - A listing page's documents are fetched `parallel` at a time; the documents of one fetch
///   become one page of events, committed together with the stream's cursor.
/// - The ids of fetched documents are remembered in the cursor (`PollState.fetchedDocuments`)
///   for as long as the lookback can list them again, so a relisted document (vendors list the
///   same blob again in overlapping windows) is not fetched twice, and a restart in the middle of
///   a listing page lists it again and fetches only what is missing.
/// - A document listed past its expiry, or answered as expired, cannot be read any more: it is a
///   gap record (`content_expired`), never a silent skip or an endless retry.
/// - A document's URL may be a path (`/services/data/v62.0/sobjects/EventLogFile/0AT…/LogFile`,
///   taken on the API's origin); an absolute URL must be on the API's origin (it gets our credential).
/// - The listing itself may be paged like any stream, `.keyset` included: a full listing page then
///   continues after its last entry's creation time (verbatim) and id (Salesforce's EventLogFile
///   query ordered by `CreatedDate, Id`).
///
/// CSV documents (`DocumentFormat.csv`, Salesforce's EventLogFile) can be hundreds of MB, so they
/// are read differently: one at a time, downloaded to a file (`PollSettings.downloadDirectory`),
/// then served `pageSize` rows (or `pageBytes`) per page, each row a JSON object keyed by the
/// header's column names with every value a JSON string. The cursor records the document being
/// read and how many of its rows were delivered (`PollState.document`), committed with each page;
/// the document counts as fetched only with its last page. After a restart the document is
/// downloaded again and the rows already delivered are skipped. Memory stays at about one page
/// whatever the document's size.
///
/// A CSV row's event id (for the watermark) is the value of the stream's `idPath` column when
/// that is one non-empty column, else `<document id>:<row number>` (data rows counted from 1).
/// Rows rarely carry an id unique per row (Salesforce's `REQUEST_ID` is not), so `rowIDKey` adds
/// that `<document id>:<row number>` to each row object under a key of the vendor's choosing, for
/// its normalizer to take as the event id: stable across re-downloads, unique per row.
///
/// A Salesforce-style stream declares only this (the listing request builds its SOQL from the
/// window and the `Keyset` page token, `LIMIT pageSize`, ordered by `CreatedDate, Id`):
/// ```swift
/// var eventsPath: [String] { ["records"] }          // where the listing's entries are
/// var paging: Paging { .keyset }                    // continues after the last (CreatedDate, Id)
/// var idPath: [String] { [] }                       // rows: `<document id>:<row number>`
/// var timePath: [String] { ["TIMESTAMP_DERIVED"] }  // a column of the CSV
/// var contents: ContentListing? {
///     ContentListing(idPath: ["Id"], urlPath: ["LogFile"], createdPath: ["CreatedDate"], expirationPath: nil,
///                    format: .csv(rowIDKey: "auditrelay.row"), expired: { $0.status == 404 })
/// }
/// ```
public struct ContentListing: Sendable {
    /// What a fetched document is.
    public enum DocumentFormat: Sendable, Equatable {
        /// A JSON document whose events are the array at `eventsPath` (`[]`: the document is the array).
        case json(eventsPath: [String])
        /// RFC 4180 CSV, first record the header, one event per row (see `ContentListing`).
        /// `rowIDKey`: the key under which each row object also gets `<document id>:<row number>`.
        case csv(rowIDKey: String?)

        public static let csv = DocumentFormat.csv(rowIDKey: nil)
    }

    /// In each listing entry: the document's id, URL, creation time and expiry (optional).
    public var idPath: [String]
    public var urlPath: [String]
    public var createdPath: [String]
    public var expirationPath: [String]?
    public var format: DocumentFormat
    /// Documents fetched at once (JSON documents; CSV documents are read one at a time).
    public var parallel: Int
    /// A CSV page ends after this many bytes of row objects even before `pageSize` rows.
    public var pageBytes: Int
    /// Whether an error answer to a document fetch means the document expired after it was listed.
    public var expired: @Sendable (HTTPResponse) -> Bool

    public init(idPath: [String], urlPath: [String], createdPath: [String], expirationPath: [String]?,
                format: DocumentFormat = .json(eventsPath: []), parallel: Int = 4, pageBytes: Int = 4 << 20,
                expired: @escaping @Sendable (HTTPResponse) -> Bool = { _ in false }) {
        self.idPath = idPath
        self.urlPath = urlPath
        self.createdPath = createdPath
        self.expirationPath = expirationPath
        self.format = format
        self.parallel = max(1, parallel)
        self.pageBytes = max(1, pageBytes)
        self.expired = expired
    }

    /// One listed document.
    public struct Entry: Sendable, Equatable {
        public var id: String
        public var url: String
        public var created: Timestamp
        public var expiration: Timestamp?

        /// The creation time in whole seconds, as the cursor keeps it (`PollState.fetchedDocuments`).
        public var createdSeconds: Int64 { created.microseconds / 1_000_000 }

        /// The short form the cursor remembers (64-bit FNV-1a of the id, hex): bounded in size
        /// whatever the vendor's ids look like.
        public var digest: String { Self.digest(id) }

        public static func digest(_ id: String) -> String {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in id.utf8 {
                hash ^= UInt64(byte)
                hash &*= 0x100_0000_01b3
            }
            let hex = String(hash, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }
    }

    /// A listing page: its entries in order and the pointer to the next page.
    struct Page: Sendable {
        var entries: [Entry]
        var next: Paging.Next
    }
}

/// A request the vendor needs before a stream can be read (Microsoft's subscription start): sent
/// before the stream's first page, and again whenever a page request is answered as `lost`; each
/// re-setup is logged and counted.
public struct StreamSetup: Sendable {
    /// What is set up, for messages ("subscription to Audit.Exchange").
    public var name: String
    public var request: HTTPRequest
    /// An error answer that still means "set up" (Microsoft's AF20024 "already enabled").
    public var alreadyDone: @Sendable (HTTPResponse) -> Bool
    /// An error answer to a page request that means the setup is gone (AF20022 "no subscription").
    public var lost: @Sendable (HTTPResponse) -> Bool

    public init(name: String, request: HTTPRequest, alreadyDone: @escaping @Sendable (HTTPResponse) -> Bool,
                lost: @escaping @Sendable (HTTPResponse) -> Bool) {
        self.name = name
        self.request = request
        self.alreadyDone = alreadyDone
        self.lost = lost
    }
}
