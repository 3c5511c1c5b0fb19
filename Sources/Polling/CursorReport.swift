import Crypto
import RelayCore

extension SourceCursor {
    /// One line per stream for `auditrelay cursor show`: where the stream stands, the vendor's
    /// page token or position as a hash (they can carry signed URLs), and the last success.
    public func report() -> [String] {
        var lines: [String] = []
        for name in streams.keys.sorted() {
            guard let state = streams[name] else { continue }
            var fields = ["stream \(name)", "since \(state.since)"]
            if let watermark = state.watermark { fields.append("newest-event \(watermark.time)") }
            if let window = state.window {
                fields.append("window \(window.from)..\(window.to) next-page \(Self.fingerprint(window.next))")
            }
            if let position = state.position { fields.append("position \(Self.fingerprint(position))") }
            if let document = state.document { fields.append("document \(document.digest) rows-delivered \(document.rows)") }
            if !state.fetchedDocuments.isEmpty { fields.append("documents-fetched \(state.fetchedDocuments.count)") }
            fields.append("last-success \(state.lastSuccess?.description ?? "never")")
            lines.append(fields.joined(separator: "  "))
        }
        if sealedCredential != nil { lines.append("rotated refresh token: persisted (sealed)") }
        return lines
    }

    /// Moves `stream` (every stream when nil) to start again at `time`: its window, position and
    /// watermark are dropped and nothing before `time` is asked for (not even by lookback).
    public mutating func reset(stream: String?, to time: Timestamp) {
        for name in streams.keys where stream == nil || stream == name {
            streams[name] = PollState(since: time, floor: time, lastSuccess: streams[name]?.lastSuccess)
        }
        if let stream, streams[stream] == nil { streams[stream] = PollState(since: time, floor: time) }
    }

    /// `sha256:` and the first 12 hex digits: enough to see whether a token changed, nothing to reuse.
    static func fingerprint(_ token: String) -> String {
        "sha256:" + SHA256.hash(data: Array(token.utf8)).prefix(6).map { String(format: "%02x", $0) }.joined()
    }
}
