import Normalizers
import RelayCore

/// Slack Enterprise Grid Audit Logs API (`GET https://api.slack.com/audit/v1/logs`). Actions:
/// https://api.slack.com/admins/audit-logs-call#the_actions (also `GET /audit/v1/actions`).
///
/// Field map: eventID `id`, eventTime `date_create` (epoch s), eventName `action`, srcIP
/// `context.ip_address`, actor `actor.user.email/id/name` (+ `actor.type`); the entity acted on
/// (user, channel, file, app, workspace) becomes a resource.
public struct SlackNormalizer: Normalizer {
    public let sourceType = "slack"
    public let streams = ["audit_logs"]

    public init() {}

    public func normalize(_ event: JSONValue, stream: String, into record: inout AuditRecord) {
        record.setEventID(event["id"])
        record.setEventTime(event["date_create"])
        record.setEventName(event["action"])
        record.serviceName = "slack"
        record.setSourceIP(event["context", "ip_address"])
        if let user = event["actor", "user"] {
            record.setActor("email", user["email"])
            record.setActor("id", user["id"])
            record.setActor("name", user["name"])
        }
        record.setActor("type", event["actor", "type"])
        if let entity = event["entity"], let type = entity["type"]?.string, let object = entity[type] {
            record.addResource(object["name"] ?? object["email"] ?? object["id"])
        }
        record.setTag("userAgent", event["context", "ua"])
        record.setTag("sessionID", event["context", "session_id"])
        record.setTag("location", event["context", "location", "domain"])
        record.classify(classificationKey(record.eventName, event), with: SlackCatalogue.rules)
    }

    /// Preference changes carry their direction in `details`.
    private func classificationKey(_ action: String, _ event: JSONValue) -> String {
        switch action {
        case "pref.two_factor_auth_changed":
            let value = event["details", "new_value"]?.string ?? ""
            return value.includes("DISABLED") ? action + ":off" : action + ":on"
        case "team_authorized_ip_range_set":
            // Setting an empty list removes the IP allow-list policy.
            return (event["details", "ip_ranges"]?.count ?? 0) == 0 ? action + ":cleared" : action + ":set"
        default:
            return action
        }
    }
}
