import Normalizers
import RelayCore

/// Duo Admin API logs: `/admin/v1/logs/administrator` and `/admin/v2/logs/authentication` (also
/// `/admin/v2/logs/telephony` and `/admin/v2/logs/activity`).
/// Catalogue: https://duo.com/docs/adminapi#administrator-logs (actions) and
/// https://duo.com/docs/adminapi#authentication-logs (event types).
///
/// Field map, administrator: eventID content hash, eventTime `isotimestamp` (else `timestamp`),
/// eventName `action`, srcIP `description.ip_address` (`description` is an object or a JSON-encoded
/// string), actor `username`. Authentication: eventID `txid`, eventTime `isotimestamp`, eventName
/// `event_type` (default "authentication"), srcIP `access_device.ip` or `ip`, actor `user.name` or
/// `username`; Duo's `location` is kept as an enrichment from provider `duo`.
public struct DuoNormalizer: Normalizer {
    public let sourceType = "duo"
    public let streams = ["administrator", "authentication", "telephony", "activity"]

    public init() {}

    public func normalize(_ event: JSONValue, stream: String, into record: inout AuditRecord) {
        record.serviceName = "duo"
        record.setEventTime(event["isotimestamp"], event["timestamp"])
        switch stream {
        case "authentication": authentication(event, into: &record)
        case "telephony": telephony(event, into: &record)
        case "activity": activity(event, into: &record)
        default: administrator(event, into: &record)
        }
    }

    /// `/admin/v2/logs/telephony`: SMS and phone-call credits spent (no person acts on anything).
    private func telephony(_ event: JSONValue, into record: inout AuditRecord) {
        record.setEventTime(event["ts"])
        record.setEventID(event["telephony_id"] ?? event["txid"])
        record.eventName = "telephony." + (event["type"]?.nonEmptyText ?? "unknown")
        record.addResource(event["phone"])
        record.setTag("context", event["context"])
        record.setTag("credits", event["credits"])
    }

    /// `/admin/v2/logs/activity` (preview): who did what to which object, with the device's IP.
    private func activity(_ event: JSONValue, into record: inout AuditRecord) {
        record.setEventTime(event["ts"])
        record.setEventID(event["activity_id"])
        record.setEventName(event["action"])
        record.setSourceIP(event["access_device", "ip", "address"])
        record.setActor("name", event["actor", "name"])
        record.setActor("id", event["actor", "key"])
        record.setActor("type", event["actor", "type"])
        record.addResource(event["target", "name"] ?? event["target", "key"])
        record.addResource(event["application", "name"])
        record.classify(record.eventName, with: Self.administratorRules)
    }

    private func administrator(_ event: JSONValue, into record: inout AuditRecord) {
        record.setEventName(event["action"])
        record.setActor("name", event["username"])
        record.addResource(event["object"])
        var key = record.eventName
        var direction: (Behavior, String)?
        if let description = event["description"] {
            // Older integrations deliver `description` as a JSON-encoded string: parse it with its
            // own document so the event's values stay valid.
            if description.kind == .string, let text = description.string {
                let nested = JSONDocument()
                if let parsed = try? nested.parse(Array(text.utf8)) {
                    key = administratorKey(record.eventName, parsed, into: &record)
                    direction = Self.direction(record.eventName, parsed)
                }
            } else {
                key = administratorKey(record.eventName, description, into: &record)
                direction = Self.direction(record.eventName, description)
            }
        }
        record.classify(key, with: Self.administratorRules)
        if let (behavior, rule) = direction { record.setBehavior(behavior, rule: rule) }
    }

    /// The administrator log records some changes as `{"old": …, "new": …}` pairs in `description`;
    /// where the pair says which way access moved, that decides the behavior (the action name only
    /// says "update"): an administrator's role raised or lowered, a user put into or taken out of
    /// bypass (no second factor asked), a user's groups, phones or tokens added or removed.
    static func direction(_ action: String, _ description: JSONValue) -> (Behavior, String)? {
        guard description.kind == .object else { return nil }
        func pair(_ key: String) -> (old: JSONValue?, new: JSONValue?)? {
            guard let value = description[key], value.kind == .object, value["old"] != nil || value["new"] != nil else { return nil }
            return (value["old"], value["new"])
        }
        func count(_ value: JSONValue?) -> Int {
            guard let value, value.kind == .array else { return 0 }
            return value.elements.filter { $0.kind != .null }.count
        }
        if let role = pair("role"), let old = adminRoleRank(role.old?.string), let new = adminRoleRank(role.new?.string), old != new {
            return new > old ? (.permissionAdd, "duo.description.role raised") : (.permissionRemove, "duo.description.role lowered")
        }
        // `status` is also given as the new value alone ("Bypass").
        let oldStatus = pair("status")?.old?.string?.lowercased()
        let newStatus = (pair("status")?.new ?? (description["status"]?.kind == .string ? description["status"] : nil))?.string?.lowercased()
        if action == "user_update" || action == "user_bulk_update" {
            if newStatus == "bypass", oldStatus != "bypass" { return (.mfaUnenroll, "duo.description.status bypass") }
            if oldStatus == "bypass", let newStatus, newStatus != "bypass" { return (.mfaEnroll, "duo.description.status out of bypass") }
        }
        if let groups = pair("groups"), count(groups.new) != count(groups.old) {
            return count(groups.new) > count(groups.old) ? (.groupMemberAdd, "duo.description.groups added") : (.groupMemberRemove, "duo.description.groups removed")
        }
        for key in ["phones", "tokens", "webauthncredentials", "u2ftokens"] {
            if let devices = pair(key), count(devices.new) != count(devices.old) {
                return count(devices.new) > count(devices.old) ? (.mfaEnroll, "duo.description.\(key) added") : (.mfaUnenroll, "duo.description.\(key) removed")
            }
        }
        return nil
    }

    /// Duo administrator roles from most to least access (https://duo.com/docs/administration-admins).
    static func adminRoleRank(_ role: String?) -> Int? {
        guard let role = role?.lowercased() else { return nil }
        let ranks = ["owner": 8, "administrator": 7, "application manager": 6, "user manager": 5, "security analyst": 4,
                     "help desk": 3, "phishing manager": 2, "billing": 2, "read-only": 1]
        return ranks[role]
    }

    /// Reads what the administrator log keeps in `description`, and returns the classification
    /// key: `user_update` records group changes as the user's new `groups` list.
    private func administratorKey(_ action: String, _ description: JSONValue, into record: inout AuditRecord) -> String {
        record.setSourceIP(description["ip_address"])
        record.setActor("email", description["email"])
        record.setTag("factor", description["factor"])
        record.setTag("error", description["error"])
        record.setTag("role", description["role"])
        guard action == "user_update", let groups = description["groups"], groups.kind == .array else { return action }
        // The list holds the groups the user is now in: entries mean an addition, an empty list
        // (or `[null]`) means the user was taken out of a group.
        var added = false
        for group in groups.elements where group.kind == .object {
            record.addResource(group["name"])
            added = true
        }
        return added ? "user_update:groups_added" : "user_update:groups_removed"
    }

    private func authentication(_ event: JSONValue, into record: inout AuditRecord) {
        record.setEventID(event["txid"])
        record.eventName = event["event_type"]?.nonEmptyText ?? "authentication"
        record.setSourceIP(event["access_device", "ip"], event["ip"])
        record.setActor("name", event["user", "name"], event["username"])
        record.setActor("id", event["user", "key"])
        record.setActor("email", event["email"])
        record.addResource(event["application", "name"] ?? event["integration"])
        record.setTag("result", event["result"])
        record.setTag("reason", event["reason"])
        record.setTag("factor", event["factor"])
        if let location = event["access_device", "location"] ?? event["location"] {
            record.addVendorGeo(provider: "duo", ip: record.src.ip, [
                ("city", location["city"]), ("state", location["state"]), ("country", location["country"]),
            ])
        }
        record.classify(record.eventName, with: Self.authenticationRules)
    }

    // Every authentication-log entry is a Duo second-factor decision.
    static let authenticationRules = BehaviorRules([
        "authentication": .authenticationMFA,
        "enrollment": .mfaEnroll,
    ], catalogue: .duoAuthentication)

    static let administratorRules = BehaviorRules([
        "admin_login": .authenticationLogin,
        "admin_login_error": .authenticationLogin,
        "admin_2fa_error": .authenticationMFA,
        "admin_logout": .authenticationLogout,
        // Users and administrators
        "user_create": .userCreate,
        "user_import": .userCreate,
        "admin_create": .userCreate,
        "user_update": .userUpdate,
        "user_update:groups_added": .groupMemberAdd,
        "user_update:groups_removed": .groupMemberRemove,
        "admin_update": .userUpdate,
        "admin_reset_password": .userUpdate,
        "admin_activate_duo_push": .mfaEnroll,
        "bypass_create": .userUpdate,
        "bypass_delete": .userUpdate,
        "user_delete": .userDelete,
        // Duo deletes users in two steps; the pending delete is the administrator's decision.
        "user_pending_delete": .userDelete,
        "admin_delete": .userDelete,
        "group_create": .groupCreate,
        "group_update": .groupUpdate,
        "group_delete": .groupDelete,
        // Authenticators: WebAuthn credentials are factors a user enrolls; phones and hardware
        // tokens are inventory objects (the EMM labels phone_delete a resource change).
        "webauthncredential_create": .mfaEnroll,
        "webauthncredential_delete": .mfaUnenroll,
        "phone_create": .resourceCreate,
        "phone_update": .resourceUpdate,
        "phone_delete": .resourceDelete,
        "token_create": .resourceCreate,
        "token_update": .resourceUpdate,
        "token_delete": .resourceDelete,
        "integration_create": .integrationCreate,
        "integration_update": .integrationUpdate,
        "integration_delete": .integrationDelete,
        "integration_skey_view": .integrationRead,
        "policy_create": .policyCreate,
        "policy_update": .policyUpdate,
        "policy_delete": .policyDelete,
        // Duo Single Sign-On authentication sources decide how users sign in.
        "cloudsso_add_*": .policyCreate,
        "cloudsso_update_*": .policyUpdate,
        "cloudsso_delete_*": .policyDelete,
        "customer_update": .policyUpdate,
        "*_create": .resourceCreate,
        "*_update": .resourceUpdate,
        "*_delete": .resourceDelete,
    ], catalogue: .duoAdministrator)
}
