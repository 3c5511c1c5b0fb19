import Normalizers
import RelayCore
import Testing

/// Hand-written ServiceNow Table API rows (sys_audit, sysevent, sys_user_has_role,
/// isc_export_event) for each verb/object family.
@Suite struct ServiceNowFamilyTests {
    static func audit(_ table: String, _ field: String, old: String, new: String) -> String {
        #"{"sys_id":"a1","sys_created_on":"2026-11-30 10:00:00","tablename":"\#(table)","fieldname":"\#(field)","documentkey":"d1","oldvalue":"\#(old)","newvalue":"\#(new)","user":"admin","sys_created_by":"admin"}"#
    }

    static func sysevent(_ name: String, parm1: String = "", parm2: String = "") -> String {
        #"{"sys_id":"e1","sys_created_on":"2026-11-30 10:00:00","name":"\#(name)","parm1":"\#(parm1)","parm2":"\#(parm2)","sys_created_by":"admin","user_name":"admin","table":""}"#
    }

    @Test func sysAuditFamilies() throws {
        let cases: [(String, Behavior)] = [
            (Self.audit("sys_user", "user_name", old: "", new: "jdoe"), .userCreate),
            (Self.audit("sys_user", "email", old: "a@example.com", new: "b@example.com"), .userUpdate),
            (Self.audit("sys_user", "DELETED", old: "DELETED", new: "DELETED"), .userDelete),
            // A user set inactive is an update; roles added or removed on the user record.
            (Self.audit("sys_user", "active", old: "true", new: "false"), .userUpdate),
            (Self.audit("sys_user", "roles", old: "itil", new: "itil,admin"), .permissionAdd),
            (Self.audit("sys_user", "roles", old: "itil,admin", new: "itil"), .permissionRemove),
            (Self.audit("sys_user_group", "name", old: "", new: "CAB"), .groupCreate),
            (Self.audit("sys_user_group", "description", old: "old", new: "new"), .groupUpdate),
            (Self.audit("sys_user_group", "DELETED", old: "DELETED", new: "DELETED"), .groupDelete),
            (Self.audit("sys_user_grmember", "user", old: "", new: "jdoe"), .groupMemberAdd),
            (Self.audit("sys_user_grmember", "DELETED", old: "DELETED", new: "DELETED"), .groupMemberRemove),
            (Self.audit("sys_user_role", "name", old: "", new: "x_auditor"), .roleCreate),
            (Self.audit("sys_user_role", "description", old: "a", new: "b"), .roleUpdate),
            (Self.audit("sys_user_role", "DELETED", old: "DELETED", new: "DELETED"), .roleDelete),
            (Self.audit("sys_user_has_role", "role", old: "", new: "admin"), .permissionAdd),
            (Self.audit("sys_user_has_role", "DELETED", old: "DELETED", new: "DELETED"), .permissionRemove),
            (Self.audit("sys_security_acl", "name", old: "", new: "incident.*"), .policyCreate),
            (Self.audit("sys_security_acl", "script", old: "a", new: "b"), .policyUpdate),
            (Self.audit("sys_security_acl", "DELETED", old: "DELETED", new: "DELETED"), .policyDelete),
            (Self.audit("oauth_entity", "name", old: "", new: "Reporting"), .integrationCreate),
            (Self.audit("oauth_entity", "DELETED", old: "DELETED", new: "DELETED"), .integrationDelete),
            (Self.audit("user_multifactor_auth", "DELETED", old: "DELETED", new: "DELETED"), .mfaUnenroll),
            (Self.audit("incident", "state", old: "1", new: "2"), .resourceUpdate),
            (Self.audit("incident", "DELETED", old: "DELETED", new: "DELETED"), .resourceDelete),
        ]
        for (json, behavior) in cases {
            let record = try TestSupport.normalize(json, "servicenow", "sys_audit")
            #expect(record.behavior == behavior, "\(json)")
        }
    }

    @Test func syseventFamilies() throws {
        let cases: [(String, Behavior)] = [
            (Self.sysevent("login", parm1: "admin", parm2: "198.51.100.1"), .authenticationLogin),
            (Self.sysevent("login.failed", parm1: "admin", parm2: "198.51.100.1"), .authenticationLogin),
            (Self.sysevent("logout", parm1: "admin", parm2: "198.51.100.1"), .authenticationLogout),
            (Self.sysevent("external.authentication.succeeded"), .authenticationLogin),
            (Self.sysevent("security.elevated_role.enabled", parm2: "security_admin"), .roleUpdate),
            (Self.sysevent("user.view"), .userRead),
            (Self.sysevent("report.view"), .resourceRead),
            (Self.sysevent("attachment.deleted"), .resourceDelete),
            // `<table>.insert` / `.deleted` on the identity tables mean what a change of the table means.
            (Self.sysevent("sys_user_has_role.insert"), .permissionAdd),
            (Self.sysevent("sys_user_has_role.deleted"), .permissionRemove),
            (Self.sysevent("sys_user.inserted"), .userCreate),
            (Self.sysevent("sys_user_grmember.deleted"), .groupMemberRemove),
            (Self.sysevent("sys_user_group.deleted"), .groupDelete),
            (Self.sysevent("sn_change_cab.group_member.added"), .groupMemberAdd),
        ]
        for (json, behavior) in cases {
            let record = try TestSupport.normalize(json, "servicenow", "sysevent")
            #expect(record.behavior == behavior, "\(json)")
        }
    }

    @Test func roleGrantsAndExports() throws {
        let added = #"{"sys_id":"r1","sys_created_on":"2026-11-30 10:00:00","operation":"Added","role":"r","role.name":"admin","user":"u","changed_by":"c"}"#
        let removed = #"{"sys_id":"r2","sys_created_on":"2026-11-30 10:00:00","operation":"Removed","role":"r","role.name":"admin","user":"u","changed_by":"c"}"#
        #expect(try TestSupport.normalize(added, "servicenow", "sys_user_has_role").behavior == .permissionAdd)
        #expect(try TestSupport.normalize(removed, "servicenow", "sys_user_has_role").behavior == .permissionRemove)
        let export = #"{"sys_id":"x1","sys_created_on":"2026-11-30 10:00:00","table":"incident","records":"200","user_name":"admin"}"#
        #expect(try TestSupport.normalize(export, "servicenow", "isc_export_event").behavior == .resourceDownload)
    }
}
