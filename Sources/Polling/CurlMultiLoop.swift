import CCurl
import CCurlShim
import Foundation

/// Drives every HTTP transfer of the process through one curl multi handle on one dedicated
/// thread, so no request occupies a thread and nothing blocks Swift's cooperative pool. The multi
/// handle keeps the connection cache (keep-alive, HTTP/2 multiplexing) shared by all transfers.
///
/// Other threads only touch `pending`/`cancellations` under `lock` and wake the loop with
/// `curl_multi_wakeup`, the one multi call curl allows from another thread. The queue is bounded by
/// the callers: each source has at most one request in flight.
final class CurlMultiLoop: @unchecked Sendable {
    static let shared = CurlMultiLoop()

    private let multi: UnsafeMutableRawPointer
    private let lock = NSLock()
    private var pending: [CurlTransfer] = []
    private var cancellations: [CurlTransfer] = []
    /// Transfers added to the multi handle; touched only by the loop thread.
    private var active: [UnsafeMutableRawPointer: CurlTransfer] = [:]

    private init() {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
        guard let multi = curl_multi_init() else { fatalError("curl_multi_init failed: out of memory") }
        self.multi = multi
        _ = ccurl_multi_setopt_long(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, 64)
        // The idle-connection cache; curl's default shrinks with the number of transfers in flight,
        // which evicts a source's keep-alive connection whenever other sources are busy.
        _ = ccurl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, 64)
        _ = ccurl_multi_setopt_long(multi, CURLMOPT_PIPELINING, Int(CURLPIPE_MULTIPLEX))
        let thread = Thread { [unowned self] in self.run() }
        thread.name = "auditrelay-curl"
        thread.start()
    }

    /// Starts `transfer`; its continuation is resumed exactly once, from the loop thread or here.
    func submit(_ transfer: CurlTransfer) {
        lock.lock()
        if transfer.cancelRequested {
            lock.unlock()
            transfer.finish(.failure(CancellationError()))
            return
        }
        pending.append(transfer)
        lock.unlock()
        curl_multi_wakeup(multi)
    }

    func cancel(_ transfer: CurlTransfer) {
        lock.lock()
        transfer.cancelRequested = true
        if let index = pending.firstIndex(where: { $0 === transfer }) {
            pending.remove(at: index)
            lock.unlock()
            transfer.finish(.failure(CancellationError()))
            return
        }
        cancellations.append(transfer)
        lock.unlock()
        curl_multi_wakeup(multi)
    }

    private func run() {
        var running: Int32 = 0
        while true {
            lock.lock()
            let added = pending
            let cancelled = cancellations
            pending.removeAll(keepingCapacity: true)
            cancellations.removeAll(keepingCapacity: true)
            lock.unlock()
            for transfer in added {
                active[transfer.easy] = transfer
                curl_multi_add_handle(multi, transfer.easy)
            }
            for transfer in cancelled where active.removeValue(forKey: transfer.easy) != nil {
                curl_multi_remove_handle(multi, transfer.easy)
                transfer.finish(.failure(CancellationError()))
            }
            curl_multi_perform(multi, &running)
            var left: Int32 = 0
            while let message = curl_multi_info_read(multi, &left) {
                guard ccurl_message_is_done(message) != 0, let easy = message.pointee.easy_handle,
                      let transfer = active.removeValue(forKey: easy) else { continue }
                let result = ccurl_message_result(message)
                curl_multi_remove_handle(multi, easy)
                transfer.complete(result)
            }
            // Sleeps until a socket is ready, a timeout of curl's is due, or a wakeup.
            curl_multi_poll(multi, nil, 0, 1000, nil)
        }
    }
}

/// One request in flight: the easy handle, its header list and the response being received.
final class CurlTransfer: @unchecked Sendable {
    let easy: UnsafeMutableRawPointer
    let endpoint: String
    private let maxBytes: Int
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
    private var body: [UInt8] = []
    private var headers: [(name: String, value: String)] = []
    private var overflowed = false
    /// A download's file (`HTTPRequest.downloadPath`), written on the loop thread as the body
    /// arrives: blocking writes there hold up only curl's own thread.
    private let downloadPath: String?
    private var downloadFD: Int32 = -1
    private var downloaded = 0
    private var writeErrno: Int32 = 0
    private var continuation: CheckedContinuation<HTTPResponse, any Error>?
    /// Guarded by the loop's lock.
    var cancelRequested = false

    init(request: HTTPRequest, options: HTTPOptions) throws(PollError) {
        endpoint = Redaction.url(request.url)
        // Opened before the easy handle exists, so a failure here has nothing else to release.
        var descriptor: Int32 = -1
        if let path = request.downloadPath {
            descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            guard descriptor >= 0 else {
                let reason = String(cString: strerror(errno))
                throw PollError.transport(Int(CURLE_WRITE_ERROR.rawValue), "cannot create the download file \(path): \(reason)", endpoint: endpoint)
            }
        }
        guard let easy = curl_easy_init() else {
            if descriptor >= 0 { close(descriptor) }
            throw PollError.transport(27, "curl_easy_init failed", endpoint: endpoint)
        }
        self.easy = easy
        downloadFD = descriptor
        downloadPath = request.downloadPath
        maxBytes = request.downloadPath == nil ? options.maxResponseBytes : options.maxDownloadBytes
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let me = Unmanaged.passUnretained(self).toOpaque()
        _ = ccurl_easy_setopt_string(easy, CURLOPT_URL, request.url)
        _ = ccurl_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
        _ = ccurl_easy_setopt_pointer(easy, CURLOPT_ERRORBUFFER, errorBuffer)
        _ = ccurl_easy_setopt_pointer(easy, CURLOPT_PRIVATE, me)
        _ = ccurl_easy_setopt_callback(easy, CURLOPT_WRITEFUNCTION, curlWrite)
        _ = ccurl_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, me)
        _ = ccurl_easy_setopt_callback(easy, CURLOPT_HEADERFUNCTION, curlHeader)
        _ = ccurl_easy_setopt_pointer(easy, CURLOPT_HEADERDATA, me)
        // HTTP/2 when the server offers it in ALPN; concurrent requests to one host then wait for
        // and share its connection instead of opening one each.
        _ = ccurl_easy_setopt_long(easy, CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_2TLS))
        _ = ccurl_easy_setopt_long(easy, CURLOPT_PIPEWAIT, 1)
        _ = ccurl_easy_setopt_string(easy, CURLOPT_ACCEPT_ENCODING, "")  // every encoding curl supports
        _ = ccurl_easy_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, Int(options.connectTimeout.seconds * 1000))
        if request.downloadPath == nil {
            _ = ccurl_easy_setopt_long(easy, CURLOPT_TIMEOUT_MS, Int(options.totalTimeout.seconds * 1000))
        } else {
            _ = ccurl_easy_setopt_long(easy, CURLOPT_TIMEOUT_MS, Int(options.downloadTimeout.seconds * 1000))
            _ = ccurl_easy_setopt_long(easy, CURLOPT_LOW_SPEED_LIMIT, 1)
            _ = ccurl_easy_setopt_long(easy, CURLOPT_LOW_SPEED_TIME, max(1, Int(options.downloadStallTimeout.seconds)))
        }
        _ = ccurl_easy_setopt_long(easy, CURLOPT_SSL_VERIFYPEER, 1)
        _ = ccurl_easy_setopt_long(easy, CURLOPT_SSL_VERIFYHOST, 2)
        _ = ccurl_easy_setopt_long(easy, CURLOPT_FOLLOWLOCATION, 0)  // a redirect must not carry our token elsewhere
        _ = ccurl_easy_setopt_off_t(easy, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(maxBytes))
        _ = ccurl_easy_setopt_string(easy, CURLOPT_USERAGENT, options.userAgent)
        if let caBundle = options.caBundle { _ = ccurl_easy_setopt_string(easy, CURLOPT_CAINFO, caBundle) }
        // Without CURLOPT_PROXY curl reads http_proxy/HTTPS_PROXY/NO_PROXY from the environment.
        if let proxy = options.proxy { _ = ccurl_easy_setopt_string(easy, CURLOPT_PROXY, proxy) }
        for header in request.headers {
            headerList = curl_slist_append(headerList, "\(header.name): \(header.value)")
        }
        if request.body != nil && request.header("Content-Type") == nil {
            headerList = curl_slist_append(headerList, "Content-Type: application/json")
        }
        headerList = curl_slist_append(headerList, "Expect:")  // no 100-continue round trip for small bodies
        _ = ccurl_easy_setopt_pointer(easy, CURLOPT_HTTPHEADER, headerList)
        switch request.method {
        case .get:
            _ = ccurl_easy_setopt_long(easy, CURLOPT_HTTPGET, 1)
        case .post:
            let body = request.body ?? []
            _ = ccurl_easy_setopt_long(easy, CURLOPT_POST, 1)
            _ = ccurl_easy_setopt_off_t(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
            // COPYPOSTFIELDS copies the bytes, so the buffer need not outlive this call.
            if body.isEmpty {
                _ = ccurl_easy_setopt_string(easy, CURLOPT_COPYPOSTFIELDS, "")
            } else {
                body.withUnsafeBytes { buffer in
                    if let base = buffer.baseAddress {
                        _ = ccurl_easy_setopt_pointer(easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: base))
                    }
                }
            }
        }
    }

    deinit {
        if downloadFD >= 0 { close(downloadFD) }
        curl_easy_cleanup(easy)
        curl_slist_free_all(headerList)
        errorBuffer.deallocate()
    }

    func start(_ continuation: CheckedContinuation<HTTPResponse, any Error>) {
        self.continuation = continuation
    }

    func finish(_ result: Result<HTTPResponse, any Error>) {
        guard let continuation else { return }
        self.continuation = nil
        continuation.resume(with: result)
    }

    /// Called on the loop thread when curl is done with the transfer.
    func complete(_ code: CURLcode) {
        if downloadFD >= 0 {
            close(downloadFD)
            downloadFD = -1
        }
        if code == CURLE_OK {
            var status = 0
            var version = 0
            _ = ccurl_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
            _ = ccurl_easy_getinfo_long(easy, CURLINFO_HTTP_VERSION, &version)
            if let downloadPath, !(200..<300).contains(status) {
                body = Self.readBack(downloadPath, limit: 64 << 10)  // an error answer: the kit reads its explanation
            }
            finish(.success(HTTPResponse(status: status, headers: headers, body: body, httpVersion: Self.versionName(version))))
        } else if writeErrno != 0, let downloadPath {
            let reason = String(cString: strerror(writeErrno))
            finish(.failure(PollError.transport(Int(CURLE_WRITE_ERROR.rawValue), "cannot write the download file \(downloadPath): \(reason)", endpoint: endpoint)))
        } else if overflowed || code == CURLE_FILESIZE_EXCEEDED {
            finish(.failure(PollError(.responseTooLarge(limit: maxBytes, setting: downloadPath == nil ? "maxResponseBytes" : nil), endpoint: endpoint)))
        } else {
            let detail = String(cString: errorBuffer)
            let message = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
            finish(.failure(PollError.transport(Int(code.rawValue), Redaction.text(message), endpoint: endpoint)))
        }
    }

    private static func versionName(_ code: Int) -> String {
        switch code {
        case Int(CURL_HTTP_VERSION_1_0): "1.0"
        case Int(CURL_HTTP_VERSION_2_0): "2"
        case Int(CURL_HTTP_VERSION_3): "3"
        default: "1.1"
        }
    }

    /// The first `limit` bytes of a small file (an error answer written to the download file).
    private static func readBack(_ path: String, limit: Int) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return [] }
        defer { close(descriptor) }
        var bytes = [UInt8](repeating: 0, count: limit)
        var filled = 0
        while filled < limit {
            let count = bytes.withUnsafeMutableBytes { read(descriptor, $0.baseAddress.map { $0 + filled }, limit - filled) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            filled += count
        }
        return Array(bytes.prefix(filled))
    }

    /// Appends to the download file; false (abort) past the size limit or when the disk refuses.
    private func write(download bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard downloaded + bytes.count <= maxBytes else {
            overflowed = true
            return false
        }
        guard let base = bytes.baseAddress else { return true }
        var offset = 0
        while offset < bytes.count {
            let written = Foundation.write(downloadFD, base + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                writeErrno = errno
                return false
            }
            offset += written
        }
        downloaded += bytes.count
        return true
    }

    fileprivate func receive(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        if downloadFD >= 0 { return write(download: bytes) }
        guard body.count + bytes.count <= maxBytes else {
            overflowed = true
            return false
        }
        body.append(contentsOf: bytes)
        return true
    }

    fileprivate func receiveHeader(_ line: String) {
        if line.hasPrefix("HTTP/") {
            headers.removeAll()  // a new response (after 100 Continue or a proxy's CONNECT)
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
        headers.append((name, value))
    }
}

private let curlWrite: ccurl_data_callback = { data, size, count, userdata in
    guard let data, let userdata else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
    let length = size * count
    let accepted = data.withMemoryRebound(to: UInt8.self, capacity: length) {
        transfer.receive(UnsafeBufferPointer(start: $0, count: length))
    }
    return accepted ? length : 0  // a short count makes curl abort the transfer
}

private let curlHeader: ccurl_data_callback = { data, size, count, userdata in
    guard let data, let userdata else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
    let length = size * count
    let line = data.withMemoryRebound(to: UInt8.self, capacity: length) {
        String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
    }
    transfer.receiveHeader(line)
    return length
}
