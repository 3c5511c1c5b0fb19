/// One HTTP request as the kit builds it. Header names are sent as given; `body` is sent as is.
public struct HTTPRequest: Sendable {
    public enum Method: String, Sendable { case get = "GET", post = "POST" }

    public var method: Method
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]?
    /// Where a 2xx answer's body goes instead of memory: the file is created (or truncated) and
    /// written as the body arrives, up to `HTTPOptions.maxDownloadBytes`, so a file of hundreds of
    /// MB costs no memory. The response then has an empty body; a non-2xx answer's (small) error
    /// body is read back into `body` so errors are classified as usual. The caller removes the file.
    public var downloadPath: String?

    public init(method: Method = .get, url: String, headers: [(name: String, value: String)] = [], body: [UInt8]? = nil,
                downloadPath: String? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.downloadPath = downloadPath
    }

    /// Sets `name` (case-insensitively replacing an existing value).
    public mutating func setHeader(_ name: String, _ value: String) {
        headers.removeAll { $0.name.lowercased() == name.lowercased() }
        headers.append((name, value))
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// A complete response. Header names are lowercased; a repeated header keeps every value in order.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// The protocol the exchange used: "1.0", "1.1", "2" or "3".
    public var httpVersion: String

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = [], httpVersion: String = "1.1") {
        self.status = status
        self.headers = headers.map { ($0.name.lowercased(), $0.value) }
        self.body = body
        self.httpVersion = httpVersion
    }

    /// The first value of `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        let name = name.lowercased()
        return headers.first { $0.name == name }?.value
    }

    /// Every value of `name`, in order (e.g. several `Link` headers).
    public func headerValues(_ name: String) -> [String] {
        let name = name.lowercased()
        return headers.filter { $0.name == name }.map(\.value)
    }
}

/// Transport settings of one source's client.
public struct HTTPOptions: Sendable {
    /// Connection establishment (DNS, TCP, TLS) limit.
    public var connectTimeout: Duration = .seconds(10)
    /// Whole-request limit, including reading the body.
    public var totalTimeout: Duration = .seconds(60)
    /// A proxy URL for this source (`http://proxy:3128`); nil: curl's `HTTPS_PROXY`/`NO_PROXY` environment.
    public var proxy: String?
    /// A PEM file of trusted CA certificates replacing the system bundle.
    public var caBundle: String?
    /// Responses larger than this fail rather than growing memory without bound.
    public var maxResponseBytes = 64 << 20
    /// The limit for a body written to a file (`HTTPRequest.downloadPath`): disk, not memory.
    public var maxDownloadBytes = 4 << 30
    /// Whole-request limit for a download, which may be large; a download that stalls (under
    /// 1 byte/s for `downloadStallTimeout`) fails sooner.
    public var downloadTimeout: Duration = .seconds(3600)
    public var downloadStallTimeout: Duration = .seconds(60)
    public var userAgent = "auditrelay"

    public init() {}
}
