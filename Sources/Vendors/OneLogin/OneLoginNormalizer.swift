import Normalizers
import RelayCore

/// OneLogin Events API (`GET /api/1/events`). Event types (`GET /api/1/events/types`):
/// https://developers.onelogin.com/api-docs/1/events/event-types
///
/// Field map: eventID `id`, eventTime `created_at`, eventName the event-type name of
/// `event_type_id` (from our catalogue, else from the types the poller fetched, else the number
/// itself), srcIP `ipaddr`, actor
/// `actor_user_name`/`actor_user_id`, else `user_name`/`user_id`; the user, role, group, app and
/// policy acted on become resources.
public struct OneLoginNormalizer: Normalizer {
    public let sourceType = "onelogin"
    public let streams = ["events"]

    public init() {}

    public func normalize(_ event: JSONValue, stream: String, into record: inout AuditRecord) {
        record.setEventID(event["id"])
        record.setEventTime(event["created_at"])
        record.serviceName = "onelogin"
        if let typeID = event["event_type_id"]?.int64 {
            record.eventName = OneLoginCatalogue.names[typeID] ?? OneLoginEventTypes.shared.name(typeID) ?? String(typeID)
        }
        record.setSourceIP(event["ipaddr"])
        if event["actor_user_name"]?.nonEmptyText != nil || event["actor_user_id"]?.nonEmptyText != nil {
            record.setActor("name", event["actor_user_name"])
            record.setActor("id", event["actor_user_id"])
        } else {
            record.setActor("name", event["user_name"])
            record.setActor("id", event["user_id"])
        }
        record.setActor("system", event["actor_system"])
        record.addResource(event["user_name"])
        record.addResource(event["role_name"])
        record.addResource(event["group_name"])
        record.addResource(event["app_name"])
        record.addResource(event["policy_name"])
        record.addResource(event["otp_device_name"])
        record.setTag("notes", event["notes"])
        record.setTag("riskScore", event["risk_score"])
        record.classify(classificationKey(record.eventName, event), with: OneLoginCatalogue.rules)
    }

    /// UPDATED_USER also records group changes ("changed Group to X" in `notes`).
    private func classificationKey(_ name: String, _ event: JSONValue) -> String {
        guard name == "UPDATED_USER", let notes = event["notes"]?.string, notes.includes("changed Group") else { return name }
        return "UPDATED_USER:group"
    }
}
