/// An async HTTP client on libcurl. Cheap to copy: every client shares one multi handle and one
/// loop thread (`CurlMultiLoop`), hence one connection cache; options are per client (per source).
///
/// Concurrency: safe to use from any task. Cancelling the calling task aborts the transfer.
public struct HTTPClient: Sendable {
    public var options: HTTPOptions

    public init(options: HTTPOptions = HTTPOptions()) {
        self.options = options
    }

    /// Sends `request` and returns the complete response, whatever its status.
    /// - Throws: `PollError` (`transport` for DNS/connect/TLS/timeout/truncation, `responseTooLarge`),
    ///   or `CancellationError`.
    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let transfer = try CurlTransfer(request: request, options: options)
        let loop = CurlMultiLoop.shared
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                transfer.start(continuation)
                loop.submit(transfer)
            }
        } onCancel: {
            loop.cancel(transfer)
        }
    }
}

/// What the kit needs from an HTTP client; tests may substitute a scripted one.
public protocol HTTPSending: Sendable {
    func send(_ request: HTTPRequest) async throws -> HTTPResponse
}

extension HTTPClient: HTTPSending {}
