import Normalizers
import RelayCore
import Testing
@testable import Vendors

/// Hand-written events in the vendor's documented shape, one per verb/object family.
@Suite struct ConductorOneFamilyTests {
    static let cases: [CatalogueCase] = [
        .init("conductor-one", "system_log", "Logon", .authenticationLogin, #"{"metadata":{"uid":"cf1","version":"1.1.0"},"time":1706781600000,"class_uid":3002,"activity_id":1,"activity_name":"Logon","actor":{"user":{"uid":"u1","email_addr":"ann@example.com"}},"src_endpoint":{"ip":"198.51.100.9"}}"#),
        .init("conductor-one", "system_log", "Logoff", .authenticationLogout, #"{"metadata":{"uid":"cf2","version":"1.1.0"},"time":1706781600000,"class_uid":3002,"activity_id":2,"activity_name":"Logoff","actor":{"user":{"uid":"u1","email_addr":"ann@example.com"}},"src_endpoint":{"ip":"198.51.100.9"}}"#),
        .init("conductor-one", "system_log", "Account Switch", .authenticationLogin, #"{"metadata":{"uid":"cf3","version":"1.1.0"},"time":1706781600000,"class_uid":3002,"activity_id":7,"activity_name":"Account Switch","actor":{"user":{"uid":"u1","email_addr":"ann@example.com"}},"src_endpoint":{"ip":"198.51.100.9"}}"#),
        .init("conductor-one", "system_log", "Create", .userCreate, #"{"metadata":{"uid":"cf4","version":"1.1.0"},"time":1706781600000,"class_uid":3001,"activity_id":1,"activity_name":"Create","actor":{"user":{"uid":"u1","email_addr":"ann@example.com"}},"src_endpoint":{"ip":"198.51.100.9"}}"#),
        .init("conductor-one", "system_log", "Password Change", .userUpdate, #"{"metadata":{"uid":"cf5","version":"1.1.0"},"time":1706781600000,"class_uid":3001,"activity_id":3,"activity_name":"Password Change","actor":{"user":{"uid":"u1","email_addr":"ann@example.com"}},"src_endpoint":{"ip":"198.51.100.9"}}"#),
        .init("conductor-one", "system_log", "Delete", .userDelete, #"{"metadata":{"uid":"cf6","version":"1.1.0"},"time":1706781600000,"class_uid":3001,"activity_id":6,"activity_name":"Delete","actor":{"user":{"uid":"u1","email_addr":"ann@example.com"}},"src_endpoint":{"ip":"198.51.100.9"}}"#),
        .init("conductor-one", "system_log", "MFA Factor Enable", .mfaEnroll, #"{"metadata":{"uid":"cf7","version":"1.1.0"},"time":1706781600000,"class_uid":3001,"activity_id":10,"activity_name":"MFA Factor Enable","actor":{"user":{"uid":"u1","email_addr":"ann@example.com"}},"src_endpoint":{"ip":"198.51.100.9"}}"#),
        .init("conductor-one", "system_log", "MFA Factor Disable", .mfaUnenroll, #"{"metadata":{"uid":"cf8","version":"1.1.0"},"time":1706781600000,"class_uid":3001,"activity_id":11,"activity_name":"MFA Factor Disable","actor":{"user":{"uid":"u1","email_addr":"ann@example.com"}},"src_endpoint":{"ip":"198.51.100.9"}}"#),
        .init("conductor-one", "system_log", "Create", .groupCreate, #"{"metadata":{"uid":"cf9","version":"1.1.0"},"time":1706781600000,"class_uid":3006,"activity_id":6,"activity_name":"Create","actor":{"user":{"uid":"u1","email_addr":"ann@example.com"}},"src_endpoint":{"ip":"198.51.100.9"}}"#),
        .init("conductor-one", "system_log", "Update", .groupUpdate, #"{"metadata":{"uid":"cf10","version":"1.1.0"},"time":1706781600000,"class_uid":3006,"activity_id":9,"activity_name":"Update","actor":{"user":{"uid":"u1","email_addr":"ann@example.com"}},"src_endpoint":{"ip":"198.51.100.9"}}"#),
        .init("conductor-one", "system_log", "Delete", .groupDelete, #"{"metadata":{"uid":"cf11","version":"1.1.0"},"time":1706781600000,"class_uid":3006,"activity_id":5,"activity_name":"Delete","actor":{"user":{"uid":"u1","email_addr":"ann@example.com"}},"src_endpoint":{"ip":"198.51.100.9"}}"#),
        .init("conductor-one", "system_log", "Add User", .groupMemberAdd, #"{"metadata":{"uid":"cf12","version":"1.1.0"},"time":1706781600000,"class_uid":3006,"activity_id":3,"activity_name":"Add User","actor":{"user":{"uid":"u1","email_addr":"ann@example.com"}},"src_endpoint":{"ip":"198.51.100.9"}}"#),
        .init("conductor-one", "system_log", "Remove User", .groupMemberRemove, #"{"metadata":{"uid":"cf13","version":"1.1.0"},"time":1706781600000,"class_uid":3006,"activity_id":4,"activity_name":"Remove User","actor":{"user":{"uid":"u1","email_addr":"ann@example.com"}},"src_endpoint":{"ip":"198.51.100.9"}}"#),
        .init("conductor-one", "system_log", "Assign Role", .permissionAdd, #"{"metadata":{"uid":"cf14","version":"1.1.0"},"time":1706781600000,"class_uid":3005,"activity_id":3,"activity_name":"Assign Role","actor":{"user":{"uid":"u1","email_addr":"ann@example.com"}},"src_endpoint":{"ip":"198.51.100.9"}}"#),
        .init("conductor-one", "system_log", "Remove Role", .permissionRemove, #"{"metadata":{"uid":"cf15","version":"1.1.0"},"time":1706781600000,"class_uid":3005,"activity_id":4,"activity_name":"Remove Role","actor":{"user":{"uid":"u1","email_addr":"ann@example.com"}},"src_endpoint":{"ip":"198.51.100.9"}}"#),
        .init("conductor-one", "system_log", "Assign Roles", .permissionAdd, #"{"metadata":{"uid":"cf16","version":"1.1.0"},"time":1706781600000,"class_uid":3006,"activity_id":12,"activity_name":"Assign Roles","actor":{"user":{"uid":"u1","email_addr":"ann@example.com"}},"src_endpoint":{"ip":"198.51.100.9"}}"#),
        .init("conductor-one", "system_log", "Create", .resourceCreate, #"{"metadata":{"uid":"cf17","version":"1.1.0"},"time":1706781600000,"class_uid":3004,"activity_id":1,"activity_name":"Create","actor":{"user":{"uid":"u1","email_addr":"ann@example.com"}},"src_endpoint":{"ip":"198.51.100.9"}}"#),
        .init("conductor-one", "system_log", "Read", .resourceRead, #"{"metadata":{"uid":"cf18","version":"1.1.0"},"time":1706781600000,"class_uid":3004,"activity_id":2,"activity_name":"Read","actor":{"user":{"uid":"u1","email_addr":"ann@example.com"}},"src_endpoint":{"ip":"198.51.100.9"}}"#),
        .init("conductor-one", "system_log", "Suspend", .resourceUpdate, #"{"metadata":{"uid":"cf19","version":"1.1.0"},"time":1706781600000,"class_uid":3004,"activity_id":12,"activity_name":"Suspend","actor":{"user":{"uid":"u1","email_addr":"ann@example.com"}},"src_endpoint":{"ip":"198.51.100.9"}}"#),
        .init("conductor-one", "system_log", "Delete", .resourceDelete, #"{"metadata":{"uid":"cf20","version":"1.1.0"},"time":1706781600000,"class_uid":6003,"activity_id":4,"activity_name":"Delete","actor":{"user":{"uid":"u1","email_addr":"ann@example.com"}},"src_endpoint":{"ip":"198.51.100.9"}}"#),
        .init("conductor-one", "system_log", "Other", .none, #"{"metadata":{"uid":"cf21","version":"1.1.0"},"time":1706781600000,"class_uid":6003,"activity_id":99,"activity_name":"Other","actor":{"user":{"uid":"u1","email_addr":"ann@example.com"}},"src_endpoint":{"ip":"198.51.100.9"}}"#),
    ]

    @Test(arguments: cases) func family(_ testCase: CatalogueCase) throws {
        try testCase.check()
    }
}
