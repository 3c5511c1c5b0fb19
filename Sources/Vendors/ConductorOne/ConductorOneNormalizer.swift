import Normalizers
import RelayCore

/// ConductorOne System Log (`POST /api/v1/systemlog/events`), events in OCSF. Catalogue:
/// `{tenant}/api/v1/ocsf-events.json`; classes and activities: https://schema.ocsf.io/
/// (Authentication 3002, Account Change 3001, Entity Management 3004, User Access Management
/// 3005, Group Management 3006, API Activity 6003).
///
/// Field map: eventID `metadata.uid`, eventTime `time` (epoch ms), eventName `api.operation`, else
/// `activity_name`, else `class_name`, srcIP `src_endpoint.ip`, actor `actor.user.email_addr/uid/
/// name/type`. Extra columns per the conductorone_logs schema (Int32 columns as numbers).
public struct ConductorOneNormalizer: Normalizer {
    public let sourceType = "conductor-one"
    public let streams = ["system_log"]

    public init() {}

    public func normalize(_ event: JSONValue, stream: String, into record: inout AuditRecord) {
        record.setEventID(event["metadata", "uid"])
        record.setEventTime(event["time"])
        record.eventName = event["api", "operation"]?.nonEmptyText ?? event["activity_name"]?.nonEmptyText
            ?? event["class_name"]?.nonEmptyText ?? ""
        record.serviceName = "conductor-one"
        record.setSourceIP(event["src_endpoint", "ip"])
        if let user = event["actor", "user"] {
            record.setActor("email", user["email_addr"])
            record.setActor("id", user["uid"])
            record.setActor("name", user["name"])
            record.setActor("type", user["type"])
        }
        if let resources = event["resources"] {
            for resource in resources.elements { record.addResource(resource["name"] ?? resource["uid"]) }
        }
        record.setTag("status", event["status"])
        let userAgent = event["http_request", "user_agent"] ?? event["user_agent"]
        var extras = ExtraColumnsBuilder(capacity: 24)
        extras.int32("activityID", event["activity_id"])
        extras.string("activityName", event["activity_name"])
        extras.int32("classUID", event["class_uid"])
        extras.string("className", event["class_name"])
        extras.int32("categoryUID", event["category_uid"])
        extras.int32("typeUID", event["type_uid"])
        extras.int32("severityID", event["severity_id"])
        extras.string("status", event["status"])
        extras.int32("statusID", event["status_id"])
        extras.string("message", event["message"])
        extras.string("cloudAccountName", event["cloud", "account", "name"])
        extras.string("cloudProvider", event["cloud", "provider"])
        extras.string("apiOperation", event["api", "operation"])
        extras.string("apiRequest", event["api", "request"])
        extras.int32("apiResponseCode", event["api", "response", "code"])
        extras.string("apiResponse", event["api", "response"])
        extras.string("httpMethod", event["http_request", "http_method"])
        extras.string("httpPath", event["http_request", "url", "path"])
        extras.string("userAgent", userAgent)
        extras.string("metadataUID", event["metadata", "uid"])
        extras.string("metadataVersion", event["metadata", "version"])
        extras.string("actorUserType", event["actor", "user", "type"])
        extras.string("actorUserUID", event["actor", "user", "uid"])
        extras.string("actorUserEmail", event["actor", "user", "email_addr"])
        record.extras = extras.columns
        let classUID = event["class_uid"]?.int64 ?? 0
        let activityID = event["activity_id"]?.int64 ?? 0
        record.classify(String(classUID) + ":" + String(activityID), with: Self.rules)
    }

    /// `<class_uid>:<activity_id>` per the OCSF classes ConductorOne emits.
    static let rules = BehaviorRules([
        // Authentication (3002): Logon, Logoff, Authentication Ticket, Service Ticket…
        "3002:1": .authenticationLogin, "3002:2": .authenticationLogout,
        "3002:3": .authenticationLogin, "3002:4": .authenticationLogin,
        // Account Change (3001)
        "3001:1": .userCreate, "3001:2": .userUpdate, "3001:3": .userUpdate, "3001:4": .userUpdate,
        "3001:5": .userUpdate, "3001:6": .userDelete, "3001:7": .permissionAdd, "3001:8": .permissionRemove,
        "3001:9": .userUpdate, "3001:10": .mfaEnroll, "3001:11": .mfaUnenroll, "3001:12": .userUpdate,
        // User Access Management (3005): Assign / Revoke Privileges
        "3005:1": .permissionAdd, "3005:2": .permissionRemove,
        // Group Management (3006)
        "3006:1": .permissionAdd, "3006:2": .permissionRemove, "3006:3": .groupMemberAdd,
        "3006:4": .groupMemberRemove, "3006:5": .groupDelete, "3006:6": .groupCreate,
        // Entity Management (3004) and API Activity (6003): Create, Read, Update, Delete
        "3004:1": .resourceCreate, "3004:2": .resourceRead, "3004:3": .resourceUpdate, "3004:4": .resourceDelete,
        "6003:1": .resourceCreate, "6003:2": .resourceRead, "6003:3": .resourceUpdate, "6003:4": .resourceDelete,
    ], catalogue: .conductorOne)
}
