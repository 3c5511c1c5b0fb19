import Normalizers
import RelayCore

enum ServiceNowCatalogue {
    /// `sys_audit` rows by `<tablename>:<create|update|delete>`: identity tables keep their meaning,
    /// every other table is a record change.
    static let auditedTables = BehaviorRules([
        "sys_user:create": .userCreate,
        "sys_user:update": .userUpdate,
        "sys_user:delete": .userDelete,
        "sys_user_group:create": .groupCreate,
        "sys_user_group:update": .groupUpdate,
        "sys_user_group:delete": .groupDelete,
        "sys_user_grmember:create": .groupMemberAdd,
        "sys_user_grmember:delete": .groupMemberRemove,
        "sys_user_role:create": .roleCreate,
        "sys_user_role:update": .roleUpdate,
        "sys_user_role:delete": .roleDelete,
        "sys_user_has_role:create": .permissionAdd,
        "sys_user_has_role:delete": .permissionRemove,
        "sys_group_has_role:create": .permissionAdd,
        "sys_group_has_role:delete": .permissionRemove,
        "sys_security_acl:create": .policyCreate,
        "sys_security_acl:update": .policyUpdate,
        "sys_security_acl:delete": .policyDelete,
        "sys_properties:update": .policyUpdate,
        "oauth_entity:create": .integrationCreate,
        "oauth_entity:update": .integrationUpdate,
        "oauth_entity:delete": .integrationDelete,
        "*:create": .resourceCreate,
        "*:update": .resourceUpdate,
        "*:delete": .resourceDelete,
    ], catalogue: .serviceNowTables)

    /// `sys_user_has_role` audit rows (`operation` Added/Removed).
    /// Keyed `sys_user_has_role <operation>`, so an operation not listed is read by the grammar as
    /// a role given to or taken from a user.
    static let roleGrants = BehaviorRules([
        "sys_user_has_role Added": .permissionAdd,
        "sys_user_has_role Removed": .permissionRemove,
    ])

    /// `sysevent` names from the event registry.
    static let events = BehaviorRules([
        "login": .authenticationLogin,
        "login.failed": .authenticationLogin,
        "login.*": .authenticationLogin,
        "logout": .authenticationLogout,
        "multifactor*": .authenticationMFA,
        "mfa.*": .authenticationMFA,
        "user.view": .userRead,
        "user.password.changed": .userUpdate,
        "user.locked.out": .userUpdate,
        "*.group_member.added": .groupMemberAdd,
        "*.group_member.removed": .groupMemberRemove,
        "*.group.created": .groupCreate,
        "*.group.deleted": .groupDelete,
        "*.group.modified": .groupUpdate,
        // Elevating to security_admin changes what the session's role may do.
        "security.elevated_role.*": .roleUpdate,
        "role.*": .roleUpdate,
        "report.view": .resourceRead,
        "*.download.completed": .resourceDownload,
        "attachment.read": .resourceDownload,
        "attachment.uploaded": .resourceCreate,
        "attachment.inserted": .resourceCreate,
        "attachment.deleted": .resourceDelete,
        "*.added": .resourceCreate,
        "*.inserted": .resourceCreate,
        "*.created": .resourceCreate,
        "*.updated": .resourceUpdate,
        "*.modified": .resourceUpdate,
        "*.deleted": .resourceDelete,
    ], catalogue: .serviceNowEvents)

    /// `create`, `update` or `delete` for the verb of a `<table>.<verb>` event name, or nil.
    static func tableOperation(_ verb: Substring) -> String? {
        switch verb {
        case "insert", "inserted", "create", "created": return "create"
        case "update", "updated", "modified": return "update"
        case "delete", "deleted": return "delete"
        default: return nil
        }
    }

    /// A `sys_audit` change of one field whose old and new values say more than "updated": roles
    /// added to or taken from a user or group. (A user set inactive stays user.update, as the
    /// catalogue tests decide.)
    static func auditedChange(table: String, field: String, old: String, new: String) -> Behavior? {
        switch (table, field) {
        case ("sys_user", "roles"), ("sys_user_group", "roles"):
            let before = Set(old.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            let after = Set(new.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            if after.isSuperset(of: before), after != before { return .permissionAdd }
            if before.isSuperset(of: after), after != before { return .permissionRemove }
            return .permissionAdd
        default:
            return nil
        }
    }
}
