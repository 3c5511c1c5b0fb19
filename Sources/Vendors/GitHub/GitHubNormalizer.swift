import Normalizers
import RelayCore

/// GitHub organization/enterprise audit log (`GET /orgs/{org}/audit-log`) and webhook deliveries.
/// Actions: https://docs.github.com/en/organizations/keeping-your-organization-secure/managing-security-settings-for-your-organization/audit-log-events-for-your-organization
/// Webhooks: https://docs.github.com/en/webhooks/webhook-events-and-payloads
///
/// Field map, audit_log: eventID `_document_id`, eventTime `@timestamp` (epoch ms, else
/// `created_at`), eventName `action`, srcIP `actor_ip`, actor `actor` (login) + `actor_id`;
/// `actor_location` is kept as an enrichment from provider `github`. Webhook: eventID
/// `X-GitHub-Delivery` when the receiver stored it (else the content hash), eventTime the receipt
/// time, eventName `<X-GitHub-Event>.<action>`, actor `sender.login/id`.
public struct GitHubNormalizer: Normalizer {
    public let sourceType = "github"
    public let streams = ["audit_log", "webhook"]

    public init() {}

    public func normalize(_ event: JSONValue, stream: String, into record: inout AuditRecord) {
        record.serviceName = "github"
        if stream == "webhook" {
            webhook(event, into: &record)
        } else {
            auditLog(event, into: &record)
        }
        record.classify(record.eventName, with: GitHubCatalogue.rules)
    }

    private func auditLog(_ event: JSONValue, into record: inout AuditRecord) {
        record.setEventID(event["_document_id"])
        record.setEventTime(event["@timestamp"], event["created_at"])
        record.setEventName(event["action"])
        record.setSourceIP(event["actor_ip"])
        record.setActor("username", event["actor"])
        record.setActor("id", event["actor_id"])
        record.addResource(event["repo"])
        record.addResource(event["team"])
        record.addResource(event["user"])
        record.addResource(event["org"])
        record.setTag("operationType", event["operation_type"])
        record.setTag("userAgent", event["user_agent"])
        record.setTag("business", event["business"])
        if let location = event["actor_location"] {
            record.addVendorGeo(provider: "github", ip: record.src.ip, [
                ("countryCode", location["country_code"]), ("country", location["country_name"]),
                ("region", location["region"]), ("city", location["city"]),
                ("latitude", location["location", "lat"]), ("longitude", location["location", "lon"]),
            ])
        }
    }

    private func webhook(_ event: JSONValue, into record: inout AuditRecord) {
        record.setEventID(event["X-GitHub-Delivery"])
        // A delivery has no event time of its own: the record keeps the receipt time.
        record.eventTime = record.receivedAt
        let kind = event["X-GitHub-Event"]?.nonEmptyText ?? ""
        if let action = event["action"]?.nonEmptyText {
            record.eventName = kind.isEmpty ? action : kind + "." + action
        } else {
            record.eventName = kind
        }
        record.setActor("username", event["sender", "login"])
        record.setActor("id", event["sender", "id"])
        record.setActor("type", event["sender", "type"])
        record.addResource(event["repository", "full_name"])
        record.addResource(event["team", "name"])
        record.addResource(event["member", "login"] ?? event["membership", "user", "login"])
        record.addResource(event["organization", "login"])
    }
}
