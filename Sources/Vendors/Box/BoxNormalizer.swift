import Normalizers
import RelayCore

/// Box enterprise events (`GET /2.0/events?stream_type=admin_logs`). Event types:
/// https://developer.box.com/guides/events/enterprise-events/for-enterprise/
///
/// Field map: eventID `event_id`, eventTime `created_at`, eventName `event_type`, srcIP
/// `ip_address`, actor `created_by.login/id/name/type`; `source` names the item or user acted on.
public struct BoxNormalizer: Normalizer {
    public let sourceType = "box"
    public let streams = ["admin_logs", "admin_logs_streaming"]

    public init() {}

    public func normalize(_ event: JSONValue, stream: String, into record: inout AuditRecord) {
        record.setEventID(event["event_id"])
        record.setEventTime(event["created_at"])
        record.setEventName(event["event_type"])
        record.serviceName = "box"
        record.setSourceIP(event["ip_address"])
        if let actor = event["created_by"] {
            record.setActor("email", actor["login"])
            record.setActor("id", actor["id"])
            record.setActor("name", actor["name"])
            record.setActor("type", actor["type"])
        }
        if let source = event["source"] {
            record.addResource(source["item_name"] ?? source["login"] ?? source["name"])
        }
        record.addResource(event["additional_details", "group_name"])
        record.setTag("sessionID", event["session_id"])
        record.classify(record.eventName, with: Self.rules)
    }

    static let rules = BehaviorRules([
        // Authentication
        "LOGIN": .authenticationLogin,
        "FAILED_LOGIN": .authenticationLogin,
        "ADMIN_LOGIN": .authenticationLogin,
        "MULTI_FACTOR_AUTH_ENABLE": .mfaEnroll,
        "MULTI_FACTOR_AUTH_DISABLE": .mfaUnenroll,
        // Users
        "NEW_USER": .userCreate,
        "EDIT_USER": .userUpdate,
        "CHANGE_ADMIN_ROLE": .roleUpdate,
        "DELETE_USER": .userDelete,
        // Groups
        "GROUP_CREATION": .groupCreate,
        "GROUP_EDITED": .groupUpdate,
        "GROUP_DELETION": .groupDelete,
        "GROUP_ADD_USER": .groupMemberAdd,
        "GROUP_REMOVE_USER": .groupMemberRemove,
        "GROUP_ADD_ITEM": .permissionAdd,
        "GROUP_REMOVE_ITEM": .permissionRemove,
        // Sharing: collaborations grant or revoke access to an item.
        "COLLABORATION_INVITE": .permissionAdd,
        "COLLABORATION_ACCEPT": .permissionAdd,
        "COLLABORATION_ROLE_CHANGE": .permissionAdd,
        "COLLABORATION_REMOVE": .permissionRemove,
        "COLLABORATION_EXPIRATION": .permissionRemove,
        "SHARE": .permissionAdd,
        "UNSHARE": .permissionRemove,
        "ITEM_SHARED_CREATE": .permissionAdd,
        "ITEM_SHARED_UNSHARE": .permissionRemove,
        // Policies (shield, retention, legal hold, device pinning, terms of service)
        "SHIELD_*": .policyUpdate,
        "ACCESS_POLICY_*": .policyUpdate,
        "LEGAL_HOLD_POLICY_CREATE": .policyCreate,
        "LEGAL_HOLD_POLICY_DELETE": .policyDelete,
        "LEGAL_HOLD_POLICY_UPDATE": .policyUpdate,
        "RETENTION_POLICY_CREATE": .policyCreate,
        "RETENTION_POLICY_DELETE": .policyDelete,
        "RETENTION_POLICY_UPDATE": .policyUpdate,
        "TERMS_OF_SERVICE_*": .policyUpdate,
        "WATERMARK_LABEL_CREATE": .policyCreate,
        "WATERMARK_LABEL_DELETE": .policyDelete,
        "ENTERPRISE_APP_AUTHORIZATION_UPDATE": .policyUpdate,
        // Applications and integrations
        "APPLICATION_CREATED": .integrationCreate,
        "APPLICATION_PUBLIC_KEY_ADDED": .integrationUpdate,
        "APPLICATION_PUBLIC_KEY_DELETED": .integrationUpdate,
        "OAUTH2_ACCESS_TOKEN_REVOKE": .integrationUpdate,
        "APP_AUTHORIZATION_*": .integrationUpdate,
        // Content
        "UPLOAD": .resourceCreate,
        "COPY": .resourceCreate,
        "EDIT": .resourceUpdate,
        "MOVE": .resourceUpdate,
        "RENAME": .resourceUpdate,
        "LOCK": .resourceUpdate,
        "UNLOCK": .resourceUpdate,
        "UNDELETE": .resourceUpdate,
        "METADATA_INSTANCE_CREATE": .resourceUpdate,
        "METADATA_INSTANCE_UPDATE": .resourceUpdate,
        "METADATA_INSTANCE_DELETE": .resourceUpdate,
        "TAG_ITEM_CREATE": .resourceUpdate,
        "DELETE": .resourceDelete,
        "ITEM_TRASH": .resourceDelete,
        "PURGE": .resourceDelete,
        "DOWNLOAD": .resourceDownload,
        "PREVIEW": .resourceRead,
        "ITEM_OPEN": .resourceRead,
    ], catalogue: .box)
}
