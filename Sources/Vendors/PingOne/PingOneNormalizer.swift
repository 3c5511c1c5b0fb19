import Normalizers
import RelayCore

/// PingOne platform activities (`GET /v1/environments/{envId}/activities`). Action types:
/// https://apidocs.pingidentity.com/pingone/platform/v1/api/#audit-activities
///
/// Field map: eventID `id`, eventTime `recordedAt` (else `createdAt`), eventName `action.type`,
/// srcIP `source.ipAddress` when present, actor `actors.user.name/id/type`, else
/// `actors.client.name/id/type`, else the USER resource (session events); `resources[].name`
/// become resources.
public struct PingOneNormalizer: Normalizer {
    public let sourceType = "pingone"
    public let streams = ["activities"]

    public init() {}

    public func normalize(_ event: JSONValue, stream: String, into record: inout AuditRecord) {
        record.setEventID(event["id"])
        record.setEventTime(event["recordedAt"], event["createdAt"])
        record.setEventName(event["action", "type"])
        record.serviceName = "pingone"
        record.setSourceIP(event["source", "ipAddress"])
        if let actor = event["actors", "user"] ?? event["actors", "client"] {
            record.setActor("username", actor["name"])
            record.setActor("id", actor["id"])
            record.setActor("type", actor["type"])
        }
        if let resources = event["resources"] {
            for resource in resources.elements {
                record.addResource(resource["name"])
                // Session events carry no actors: the user whose session it is acted.
                if record.actor.isEmpty, resource["type"]?.string == "USER" {
                    record.setActor("username", resource["name"])
                    record.setActor("id", resource["id"])
                }
            }
        }
        record.setTag("result", event["result", "status"])
        record.setTag("resultDescription", event["result", "description"])
        record.setTag("userAgent", event["source", "userAgent"])
        record.classify(classificationKey(record.eventName, event), with: Self.rules)
    }

    /// PingOne logs MFA being switched on or off for a user as USER.UPDATED of `mfaEnabled`.
    private func classificationKey(_ type: String, _ event: JSONValue) -> String {
        guard type == "USER.UPDATED", let attributes = event["_embedded", "modifiedAttributes"],
              attributes.elements.contains(where: { $0.string == "mfaEnabled" }) else { return type }
        let description = event["result", "description"]?.string?.lowercased() ?? ""
        return description.includes("disabled") ? "USER.UPDATED:mfa-" : "USER.UPDATED:mfa+"
    }

    static let rules = BehaviorRules([
        // Sign-on
        "SESSION.CREATED": .authenticationLogin,
        "USER.ACCESS_ALLOWED": .authenticationLogin,
        "USER.ACCESS_DENIED": .authenticationLogin,
        "PASSWORD.CHECK_SUCCEEDED": .authenticationLogin,
        "PASSWORD.CHECK_FAILED": .authenticationLogin,
        "USER.AUTHENTICATED": .authenticationLogin,
        "SESSION.DELETED": .authenticationLogout,
        "OTP.CHECK_*": .authenticationMFA,
        "MFA.*": .authenticationMFA,
        "DEVICE_AUTHENTICATION.*": .authenticationMFA,
        "DEVICE.CREATED": .mfaEnroll,
        "DEVICE.ACTIVATED": .mfaEnroll,
        "DEVICE.DELETED": .mfaUnenroll,
        "USER.UPDATED:mfa+": .mfaEnroll,
        "USER.UPDATED:mfa-": .mfaUnenroll,
        // Users
        "USER.CREATED": .userCreate,
        "USER.UPDATED": .userUpdate,
        "USER.DELETED": .userDelete,
        "USER.READ": .userRead,
        "PASSWORD.RESET": .userUpdate,
        "PASSWORD.SET": .userUpdate,
        "PASSWORD.UNLOCKED": .userUpdate,
        "USER.*": .userUpdate,
        // Groups and memberships
        "GROUP.CREATED": .groupCreate,
        "GROUP.UPDATED": .groupUpdate,
        "GROUP.DELETED": .groupDelete,
        "MEMBER_OF_GROUP.CREATED": .groupMemberAdd,
        "MEMBER_OF_GROUP.DELETED": .groupMemberRemove,
        // Admin role assignments grant PingOne permissions.
        "ROLE_ASSIGNMENT.CREATED": .permissionAdd,
        "ROLE_ASSIGNMENT.DELETED": .permissionRemove,
        "APPLICATION_ROLE_ASSIGNMENT.CREATED": .permissionAdd,
        "APPLICATION_ROLE_ASSIGNMENT.DELETED": .permissionRemove,
        "ROLE.CREATED": .roleCreate,
        "ROLE.UPDATED": .roleUpdate,
        "ROLE.DELETED": .roleDelete,
        // Applications and gateways
        "APPLICATION.CREATED": .integrationCreate,
        "APPLICATION.UPDATED": .integrationUpdate,
        "APPLICATION.DELETED": .integrationDelete,
        "GATEWAY.CREATED": .integrationCreate,
        "GATEWAY.UPDATED": .integrationUpdate,
        "GATEWAY.DELETED": .integrationDelete,
        // External identity providers decide who may sign in, as do sign-on and password policies.
        "IDENTITY_PROVIDER.CREATED": .policyCreate,
        "IDENTITY_PROVIDER.UPDATED": .policyUpdate,
        "IDENTITY_PROVIDER.DELETED": .policyDelete,
        "SIGN_ON_POLICY.CREATED": .policyCreate,
        "SIGN_ON_POLICY.UPDATED": .policyUpdate,
        "SIGN_ON_POLICY.DELETED": .policyDelete,
        "PASSWORD_POLICY.CREATED": .policyCreate,
        "PASSWORD_POLICY.UPDATED": .policyUpdate,
        "PASSWORD_POLICY.DELETED": .policyDelete,
        "DEVICE_AUTHENTICATION_POLICY.CREATED": .policyCreate,
        "DEVICE_AUTHENTICATION_POLICY.UPDATED": .policyUpdate,
        "DEVICE_AUTHENTICATION_POLICY.DELETED": .policyDelete,
        "*.CREATED": .resourceCreate,
        "*.UPDATED": .resourceUpdate,
        "*.DELETED": .resourceDelete,
    ], catalogue: .pingone)
}
