import Normalizers
import RelayCore

/// Kandji (Iru) audit events (`GET /api/v1/audit/events`): Blueprint and Library Item changes,
/// sensitive-data access, device lifecycle, directory users, admin users and API tokens.
/// https://api-docs.kandji.io/#audit-log (actions are `create`/`update`/`delete`-style verbs on a
/// `target_type`).
///
/// Field map: eventID `id`, eventTime `occurred_at`, eventName `action`, actor `actor_id` +
/// `actor_type`, no source IP; resources `target_id`/`target_component`. Extra columns per the
/// kandji_logs schema: kandjiEventId, action, actorId, actorType, occurredAt, targetType,
/// targetId, targetComponent, newState, metadata (objects as their JSON text).
public struct KandjiNormalizer: Normalizer {
    public let sourceType = "kandji"
    public let streams = ["audit_events"]

    public init() {}

    public func normalize(_ event: JSONValue, stream: String, into record: inout AuditRecord) {
        record.setEventID(event["id"])
        record.setEventTime(event["occurred_at"])
        record.setEventName(event["action"])
        record.serviceName = "kandji"
        record.setActor("id", event["actor_id"])
        record.setActor("type", event["actor_type"])
        record.addResource(event["target_component"])
        record.addResource(event["target_id"])
        var extras = ExtraColumnsBuilder(capacity: 10)
        extras.string("kandjiEventId", event["id"])
        extras.string("action", event["action"])
        extras.string("actorId", event["actor_id"])
        extras.string("actorType", event["actor_type"])
        extras.string("occurredAt", event["occurred_at"])
        extras.string("targetType", event["target_type"])
        extras.string("targetId", event["target_id"])
        extras.string("targetComponent", event["target_component"])
        extras.string("newState", event["new_state"])
        extras.string("metadata", event["metadata"])
        record.extras = extras.columns
        let target = event["target_type"]?.text ?? ""
        record.classify(target + ":" + record.eventName, with: Self.rules)
    }

    /// Keys are `<target_type>:<action>`.
    static let rules = BehaviorRules([
        "admin_user:create": .userCreate, "admin_user:update": .userUpdate, "admin_user:delete": .userDelete,
        "user:create": .userCreate, "user:update": .userUpdate, "user:delete": .userDelete,
        "directory_user:create": .userCreate, "directory_user:update": .userUpdate, "directory_user:delete": .userDelete,
        "tenant_owner:update": .permissionAdd,
        // Blueprints and Library Items are the configuration and security policy Kandji enforces
        // on devices.
        "blueprint:create": .policyCreate, "blueprint:update": .policyUpdate, "blueprint:delete": .policyDelete,
        "library_item:create": .policyCreate, "library_item:update": .policyUpdate, "library_item:delete": .policyDelete,
        "api_token:create": .integrationCreate, "api_token:update": .integrationUpdate, "api_token:delete": .integrationDelete,
        "integration:create": .integrationCreate, "integration:update": .integrationUpdate, "integration:delete": .integrationDelete,
        "*:login": .authenticationLogin,
        "*:logout": .authenticationLogout,
        // Reading FileVault or recovery keys, passcodes and secrets: a key here is a device
        // secret, not an API key (the grammar would read `filevault_key:view` as an integration).
        "*_key:view": .resourceRead, "*_key:read": .resourceRead, "*_key:retrieve": .resourceRead,
        "*_pin:view": .resourceRead, "*_code:view": .resourceRead, "*_password:view": .resourceRead,
        "*:view": .resourceRead,
        "*:read": .resourceRead,
        "*:retrieve": .resourceRead,
        "*_viewed": .resourceRead,
        "*:create": .resourceCreate,
        "*:update": .resourceUpdate,
        "*:delete": .resourceDelete,
    ], catalogue: .kandji)
}
