import Normalizers
import RelayCore

/// Endor Labs audit logs (`GET /v1/namespaces/{namespace}/audit-logs`, resource `AuditLog`).
/// Operations and message kinds: https://docs.endorlabs.com/rest-api/using-the-rest-api/data-model/resource-kinds/
///
/// Field map: eventID `uuid`, eventTime `meta.create_time`, eventName `spec.operation`, srcIP
/// `spec.remote_address`, actor `spec.claims[]` (`email=…`/`user=…` strings or `{subject, issuer}`
/// objects) and `meta.created_by`; `spec.message_kind` + `spec.message_uuid` name the resource.
public struct EndorLabsNormalizer: Normalizer {
    public let sourceType = "endor-labs"
    public let streams = ["audit_logs"]

    public init() {}

    public func normalize(_ event: JSONValue, stream: String, into record: inout AuditRecord) {
        record.setEventID(event["uuid"])
        record.setEventTime(event["meta", "create_time"])
        let spec = event["spec"]
        record.setEventName(spec?["operation"])
        record.serviceName = "endor-labs"
        record.setSourceIP(spec?["remote_address"])
        if let claims = spec?["claims"] {
            for claim in claims.elements {
                if claim.kind == .object {
                    record.setActor("email", claim["subject"])
                    record.setActor("issuer", claim["issuer"])
                } else if let text = claim.string, let equals = text.firstIndex(of: "=") {
                    let key = text[..<equals], value = String(text[text.index(after: equals)...])
                    if key == "email" { record.setActor("email", value) }
                    if key == "user" { record.setActor("username", value) }
                }
            }
        }
        record.setActor("username", event["meta", "created_by"])
        let kind = spec?["message_kind"]?.text ?? ""
        record.addResource(kind.isEmpty ? nil : kind)
        record.addResource(spec?["message_uuid"])
        record.setTag("namespace", event["tenant_meta", "namespace"])
        record.setTag("error", spec?["error", "message"])
        record.classify(record.eventName + ":" + kind, with: Self.rules)
    }

    /// Keys are `<operation>:<message_kind>`.
    static let rules = BehaviorRules([
        "USER_LOGIN*": .authenticationLogin,
        "*:AuthenticationLog": .authenticationLogin,
        "USER_LOGOUT*": .authenticationLogout,
        // Authorization policies grant Endor roles to identity-provider claims.
        "OPERATION_CREATE:AuthorizationPolicy": .permissionAdd,
        "OPERATION_UPSERT:AuthorizationPolicy": .permissionAdd,
        "OPERATION_UPDATE:AuthorizationPolicy": .permissionAdd,
        "OPERATION_DELETE:AuthorizationPolicy": .permissionRemove,
        "OPERATION_CREATE:Policy": .policyCreate,
        "OPERATION_UPSERT:Policy": .policyUpdate,
        "OPERATION_UPDATE:Policy": .policyUpdate,
        "OPERATION_DELETE:Policy": .policyDelete,
        "OPERATION_CREATE:APIKey": .integrationCreate,
        "OPERATION_DELETE:APIKey": .integrationDelete,
        "OPERATION_UPDATE:APIKey": .integrationUpdate,
        "OPERATION_CREATE:Installation": .integrationCreate,
        "OPERATION_UPDATE:Installation": .integrationUpdate,
        "OPERATION_DELETE:Installation": .integrationDelete,
        "OPERATION_CREATE:IdentityProvider": .policyCreate,
        "OPERATION_UPDATE:IdentityProvider": .policyUpdate,
        "OPERATION_DELETE:IdentityProvider": .policyDelete,
        "OPERATION_CREATE:Invitation": .userCreate,
        "OPERATION_CREATE*": .resourceCreate,
        "OPERATION_UPSERT*": .resourceUpdate,
        "OPERATION_UPDATE*": .resourceUpdate,
        "OPERATION_DELETE*": .resourceDelete,
        "OPERATION_GET*": .resourceRead,
        "OPERATION_LIST*": .resourceRead,
    ], catalogue: .endorLabs)
}
