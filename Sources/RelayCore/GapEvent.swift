/// The synthetic event a poller emits when events can no longer be fetched (the requested backfill
/// or an outage reaches past the vendor's retention). It travels like any vendor event, in a
/// `RawPage` whose `stream` is `GapEvent.stream`, so the record log and every sink see it; the
/// normalizer turns it into a record with eventName `auditrelay.gap` naming the lost interval.
public enum GapEvent {
    /// The `RawPage.stream` that marks a page of gap events (the page keeps the vendor's sourceType).
    public static let stream = "auditrelay.gap"
    public static let eventName = "auditrelay.gap"

    /// `{"eventName":"auditrelay.gap","sourceID":…,"sourceType":…,"stream":…,"from":…,"to":…,"reason":…}`
    public static func json(sourceID: String, sourceType: String, stream: String, from: Timestamp, to: Timestamp, reason: String) -> [UInt8] {
        var writer = JSONWriter(capacity: 256)
        writer.raw("{\"eventName\":")
        writer.string(eventName)
        writer.raw(",\"sourceID\":")
        writer.string(sourceID)
        writer.raw(",\"sourceType\":")
        writer.string(sourceType)
        writer.raw(",\"stream\":")
        writer.string(stream)
        writer.raw(",\"from\":")
        writer.string(from.description)
        writer.raw(",\"to\":")
        writer.string(to.description)
        writer.raw(",\"reason\":")
        writer.string(reason)
        writer.raw(UInt8(ascii: "}"))
        return writer.bytes
    }
}
