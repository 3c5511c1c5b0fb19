import Normalizers
import RelayCore

/// Veeva Vault audit trails (`GET /api/{version}/audittrail/{login|system|document|object|domain}_audit_trail`).
/// Types and actions: https://developer.veevavault.com/api/#audit-trail and Vault Help "About Audit Trails".
///
/// Field map: eventID `id`, eventTime `timestamp`, eventName `type` (login trail) else `action`,
/// srcIP `source_ip`, actor `user_name` (+ `full_name`, `user_id`); `item` is the resource.
/// System/object trails name the object kind in `item` (`Application Role : x`) or in
/// `event_description` (`Group "x" deleted`), which decides the behavior of a generic action.
public struct VeevaVaultNormalizer: Normalizer {
    public let sourceType = "veeva-vault"
    public let streams = ["audittrail", "login_audit_trail", "system_audit_trail", "document_audit_trail", "object_audit_trail", "domain_audit_trail"]

    public init() {}

    public func normalize(_ event: JSONValue, stream: String, into record: inout AuditRecord) {
        // Each audit trail numbers its own records: polled, the id is qualified by the trail so two
        // trails' record 42 are not taken for one another.
        record.setEventID(event["id"])
        if stream.hasSuffix("_audit_trail"), !record.eventID.isEmpty { record.eventID = stream + ":" + record.eventID }
        record.setEventTime(event["timestamp"])
        record.eventName = event["type"]?.nonEmptyText ?? event["action"]?.nonEmptyText ?? ""
        record.serviceName = "veeva-vault"
        record.setSourceIP(event["source_ip"])
        record.setActor("email", event["user_name"])
        record.setActor("name", event["full_name"])
        record.setActor("id", event["user_id"])
        record.addResource(event["item"])
        record.setTag("status", event["status"])
        record.setTag("description", event["event_description"])
        record.setTag("onBehalfOf", event["on_behalf_of"])
        let key: String
        if event["type"]?.nonEmptyText != nil {
            key = record.eventName
        } else {
            key = record.eventName + ":" + objectKind(item: event["item"]?.string ?? "", description: event["event_description"]?.string ?? "")
        }
        record.classify(key, with: VeevaVaultCatalogue.rules)
    }

    /// What kind of object an action touched: the `Kind : name` prefix of `item`, the first word of
    /// a `Group "x" deleted` description, a security-profile change, or a list-membership change.
    private func objectKind(item: String, description: String) -> String {
        // `"a@x.com" was added to the "Inspectors" group`: the member and the group it joined.
        let group = description.includes("\" group") ? " to group" : ""
        if description.includes(" was added to ") { return "added" + group }
        if description.includes(" was removed from ") { return "removed" + (group.isEmpty ? "" : " from group") }
        if description.hasPrefix("Security profile") { return "Security Profile" }
        if let separator = item.firstRange(of: " : ") { return String(item[..<separator.lowerBound]) }
        if let space = description.firstIndex(of: " "), description[space...].hasPrefix(" \"") {
            return String(description[..<space])
        }
        return ""
    }
}

enum VeevaVaultCatalogue {
    static let rules = BehaviorRules([
        // login_audit_trail types
        "User Login": .authenticationLogin,
        "Delegated Login": .authenticationLogin,
        "*Login": .authenticationLogin,
        "User Logout": .authenticationLogout,
        "*Logout": .authenticationLogout,
        // system and object audit trails: action:object kind
        "Create:User": .userCreate,
        "Edit:User": .userUpdate,
        "Delete:User": .userDelete,
        "Create:Group": .groupCreate,
        "Edit:Group": .groupUpdate,
        "Delete:Group": .groupDelete,
        "Edit_ListProperty:added to group": .groupMemberAdd,
        "Edit_ListProperty:removed from group": .groupMemberRemove,
        "Create:Application Role": .roleCreate,
        "Edit:Application Role": .roleUpdate,
        "Delete:Application Role": .roleDelete,
        "Create:Permission Set": .roleCreate,
        "Edit:Permission Set": .roleUpdate,
        "Delete:Permission Set": .roleDelete,
        // A user's security profile decides what the user may do.
        "Edit:Security Profile": .permissionAdd,
        "Create:Security Policy": .policyCreate,
        "Edit:Security Policy": .policyUpdate,
        "Delete:Security Policy": .policyDelete,
        // Vault-to-vault and external connections, and their clients
        "Create:Connection*": .integrationCreate,
        "Edit:Connection*": .integrationUpdate,
        "Delete:Connection*": .integrationDelete,
        "Download*": .resourceDownload,
        "Export*": .resourceDownload,
        "GetDocumentVersion*": .resourceRead,
        "View*": .resourceRead,
        "Create:*": .resourceCreate,
        "Upload*": .resourceCreate,
        "Edit:*": .resourceUpdate,
        "Delete:*": .resourceDelete,
    ])
}
