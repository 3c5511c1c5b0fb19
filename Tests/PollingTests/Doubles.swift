import Foundation
import Polling
import RelayCore

/// A clock that only moves when told to or when someone sleeps on it (sleeping advances it).
final class ManualClock: PollClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Timestamp
    private var slept: [Duration] = []

    init(_ start: Timestamp = Timestamp(parsing: "2026-03-01T12:00:00Z") ?? .zero) { current = start }

    var sleeps: [Duration] { lock.withLock { slept } }
    func now() -> Timestamp { lock.withLock { current } }
    func advance(_ duration: Duration) { lock.withLock { current = current.plus(duration) } }
    func sleep(for duration: Duration) async throws {
        lock.withLock {
            slept.append(duration)
            current = current.plus(duration)
        }
    }
}

/// An HTTP peer scripted by a closure; records every request it is sent.
final class ScriptedHTTP: HTTPSending, @unchecked Sendable {
    private let lock = NSLock()
    private var sent: [HTTPRequest] = []
    private let respond: @Sendable (HTTPRequest, Int) throws -> HTTPResponse

    init(_ respond: @escaping @Sendable (HTTPRequest, Int) throws -> HTTPResponse) { self.respond = respond }

    var requests: [HTTPRequest] { lock.withLock { sent } }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let index = lock.withLock {
            sent.append(request)
            return sent.count - 1
        }
        return try respond(request, index)
    }
}

func json(_ status: Int, _ text: String, headers: [(name: String, value: String)] = []) -> HTTPResponse {
    HTTPResponse(status: status, headers: headers, body: Array(text.utf8))
}

func json(_ text: String) -> HTTPResponse { json(200, text) }

func formFields(_ request: HTTPRequest) -> [String: String] {
    let body = String(decoding: request.body ?? [], as: UTF8.self)
    var fields: [String: String] = [:]
    for item in URLParts("http://x/?" + body)?.queryItems ?? [] { fields[item.name] = item.value }
    return fields
}
