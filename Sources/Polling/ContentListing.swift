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
public struct ContentListing: Sendable {
    /// In each listing entry: the document's id, URL, creation time and expiry (optional).
    public var idPath: [String]
    public var urlPath: [String]
    public var createdPath: [String]
    public var expirationPath: [String]?
    /// Where the events are in a fetched document (`[]`: the document is the array).
    public var eventsPath: [String]
    /// Documents fetched at once.
    public var parallel: Int
    /// Whether an error answer to a document fetch means the document expired after it was listed.
    public var expired: @Sendable (HTTPResponse) -> Bool

    public init(idPath: [String], urlPath: [String], createdPath: [String], expirationPath: [String]?, eventsPath: [String] = [],
                parallel: Int = 4, expired: @escaping @Sendable (HTTPResponse) -> Bool = { _ in false }) {
        self.idPath = idPath
        self.urlPath = urlPath
        self.createdPath = createdPath
        self.expirationPath = expirationPath
        self.eventsPath = eventsPath
        self.parallel = max(1, parallel)
        self.expired = expired
    }

    /// One listed document.
    public struct Entry: Sendable, Equatable {
        public var id: String
        public var url: String
        public var created: Timestamp
        public var expiration: Timestamp?

        /// The short form the cursor remembers (64-bit FNV-1a of the id, hex): bounded in size
        /// whatever the vendor's ids look like.
        public var digest: String { Self.digest(id) }

        static func digest(_ id: String) -> String {
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
