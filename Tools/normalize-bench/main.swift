// Measures normalize throughput on one core: the EMM samples of one vendor file (default: okta),
// repeated into pages of 1,000 events, through PageNormalizer and RecordEncoder (what
// `auditrelay normalize` does per line). Usage: normalize-bench [FIXTURE.jsonl ...] [--seconds N]
import Vendors
import Foundation
import Normalizers
import RelayCore

var paths: [String] = []
var seconds = 3.0
var skipEncode = false
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    if argument == "--seconds", let value = arguments.popFirst().flatMap(Double.init) {
        seconds = value
    } else if argument == "--no-encode" {
        skipEncode = true  // measures parsing and the vendor normalizer alone
    } else {
        paths.append(argument)
    }
}
if paths.isEmpty { paths = ["Tests/NormalizersTests/Fixtures/emm/okta.system_log.jsonl"] }

for path in paths {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
        FileHandle.standardError.write(Data("cannot read \(path)\n".utf8))
        exit(1)
    }
    let document = JSONDocument()
    var events: [[UInt8]] = []
    var sourceType = "", stream = ""
    for line in text.split(separator: "\n") where !line.isEmpty {
        guard let root = try? document.parse(Array(line.utf8)), let event = root["event"] else { continue }
        sourceType = root["sourceType"]?.string ?? ""
        stream = root["stream"]?.string ?? ""
        events.append(Array(event.rawBytes))
    }
    guard !events.isEmpty else { continue }
    // One page of 1,000 events: the samples repeated.
    var body: [UInt8] = []
    var ranges: [Range<Int>] = []
    for index in 0..<1000 {
        let event = events[index % events.count]
        ranges.append(body.count..<(body.count + event.count))
        body.append(contentsOf: event)
    }
    let page = RawPage(sourceType: sourceType, stream: stream, body: body, events: ranges, cursor: nil)
    let identity = SourceIdentity(workspaceID: "bench", sourceID: "bench")
    let normalizer = PageNormalizer(registry: VendorCatalog.normalizers)
    var records: [AuditRecord] = []
    records.reserveCapacity(1000)
    var writer = JSONWriter(capacity: 1 << 20)
    var processed = 0
    let cpuStart = threadCPUSeconds()
    let clock = ContinuousClock()
    let start = clock.now
    let deadline = start + .milliseconds(Int(seconds * 1000))
    while clock.now < deadline {
        records.removeAll(keepingCapacity: true)
        normalizer.normalize(page: page, identity: identity, into: &records)
        writer.reset()
        for record in records where !skipEncode {
            RecordEncoder.encode(record, into: &writer)
            writer.raw(0x0A)
        }
        processed += records.count
    }
    let elapsed = (clock.now - start) / .seconds(1)
    let cpu = threadCPUSeconds() - cpuStart
    let averageSize = body.count / ranges.count
    // CPU time is what one core delivers; wall time also counts time other processes took the core.
    print("\(sourceType)/\(stream): \(Int(Double(processed) / cpu)) events/s per CPU-second, \(Int(Double(processed) / elapsed)) wall (\(processed) events, \(averageSize) B average)")
}

/// CPU time this thread has used, in seconds.
func threadCPUSeconds() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}
