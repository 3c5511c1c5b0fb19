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
    public let streams = ["audit_log", "audit_log_git", "webhook"]

    public init() {}

    public func normalize(_ event: JSONValue, stream: String, into record: inout AuditRecord) {
        record.serviceName = "github"
        if stream == "webhook" {
            webhook(event, into: &record)
            record.classify(record.eventName, with: GitHubCatalogue.webhookRules)
        } else {
            auditLog(event, into: &record)
            record.classify(record.eventName, with: GitHubCatalogue.auditRules)
        }
        permissionDirection(event, stream: stream, into: &record)
    }

    // MARK: Direction of permission changes

    /// GitHub's repository permission levels, lowest first (`pull`/`push` are the API's names for
    /// read/write); organization roles member < owner (`admin`).
    static func permissionLevel(_ value: JSONValue?) -> Int? {
        guard let value else { return nil }
        if value.kind == .object {
            // `old_permissions: {admin: true, maintain: true, …}`: the highest level granted.
            let levels = ["pull", "triage", "push", "maintain", "admin"].enumerated().compactMap { index, key in
                value[key]?.bool == true ? index + 1 : nil
            }
            return levels.max()
        }
        switch value.text?.lowercased() ?? "" {
        case "none", "no_access": return 0
        case "read", "pull", "reader", "member", "direct_member": return 1
        case "triage": return 2
        case "write", "push", "writer": return 3
        case "maintain": return 4
        case "admin", "owner", "organization_owner", "billing_manager": return 5
        default: return nil
        }
    }

    /// Old/new value pairs that carry the direction of a permission change: audit log
    /// `old_repo_permission`/`new_repo_permission`, `old_permission`/`permission`,
    /// `old_repo_role`/`repo_role`, `old_base_role`/`base_role`; webhook `changes.permission.from/to`,
    /// `changes.old_permission.from` with the member's current permission, `changes.permission.from`
    /// with `member.permission`, and `changes.repository.permissions.from` against `repository.permissions`.
    static func permissionChange(_ event: JSONValue, stream: String) -> (old: Int, new: Int)? {
        var pairs: [(JSONValue?, JSONValue?)] = []
        if stream == "webhook" {
            let changes = event["changes"]
            pairs.append((changes?["permission", "from"], changes?["permission", "to"]))
            pairs.append((changes?["old_permission", "from"], event["member", "permission"] ?? event["membership", "role"]))
            pairs.append((changes?["repository", "permissions", "from"], event["repository", "permissions"]))
            pairs.append((changes?["role", "from"], event["membership", "role"]))
        } else {
            pairs.append((event["old_repo_permission"], event["new_repo_permission"]))
            pairs.append((event["old_permission"], event["permission"]))
            pairs.append((event["old_repo_role"], event["repo_role"] ?? event["new_repo_role"]))
            pairs.append((event["old_repo_base_role"], event["new_repo_base_role"]))
            pairs.append((event["old_base_role"], event["base_role"] ?? event["new_base_role"]))
            pairs.append((event["old_permissions"], event["new_repo_permission"] ?? event["permissions"]))
        }
        for (old, new) in pairs {
            if let old = permissionLevel(old), let new = permissionLevel(new) { return (old, new) }
        }
        return nil
    }

    /// A change of someone's permission (not a policy or a resource setting) whose old and new
    /// levels differ is a grant when raised and a removal when lowered, whatever the name says.
    private func permissionDirection(_ event: JSONValue, stream: String, into record: inout AuditRecord) {
        switch record.behavior {
        case .permissionAdd, .permissionRemove, .userUpdate, .groupUpdate, .roleUpdate: break
        default: return
        }
        guard let change = Self.permissionChange(event, stream: stream), change.old != change.new else { return }
        record.setBehavior(change.new > change.old ? .permissionAdd : .permissionRemove, rule: "github old/new permission level")
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
