import Normalizers
import RelayCore
import Testing
@testable import Vendors

/// Hand-written events in the vendor's documented shape, one per verb/object family.
@Suite struct KandjiFamilyTests {
    static let cases: [CatalogueCase] = [
        .init("kandji", "audit_events", "create", .userCreate, #"{"id":"kf1","action":"create","occurred_at":"2024-02-01T10:00:00Z","actor_id":"a-1","actor_type":"user","target_id":"t-1","target_type":"admin_user","target_component":"Custom Script"}"#),
        .init("kandji", "audit_events", "update", .userUpdate, #"{"id":"kf2","action":"update","occurred_at":"2024-02-01T10:00:00Z","actor_id":"a-1","actor_type":"user","target_id":"t-2","target_type":"directory_user","target_component":"Custom Script"}"#),
        .init("kandji", "audit_events", "delete", .userDelete, #"{"id":"kf3","action":"delete","occurred_at":"2024-02-01T10:00:00Z","actor_id":"a-1","actor_type":"user","target_id":"t-3","target_type":"directory_user","target_component":"Custom Script"}"#),
        .init("kandji", "audit_events", "update", .permissionAdd, #"{"id":"kf4","action":"update","occurred_at":"2024-02-01T10:00:00Z","actor_id":"a-1","actor_type":"user","target_id":"t-4","target_type":"tenant_owner","target_component":"Custom Script"}"#),
        .init("kandji", "audit_events", "create", .policyCreate, #"{"id":"kf5","action":"create","occurred_at":"2024-02-01T10:00:00Z","actor_id":"a-1","actor_type":"user","target_id":"t-5","target_type":"blueprint","target_component":"Custom Script"}"#),
        .init("kandji", "audit_events", "update", .policyUpdate, #"{"id":"kf6","action":"update","occurred_at":"2024-02-01T10:00:00Z","actor_id":"a-1","actor_type":"user","target_id":"t-6","target_type":"library_item","target_component":"Custom Script"}"#),
        .init("kandji", "audit_events", "delete", .policyDelete, #"{"id":"kf7","action":"delete","occurred_at":"2024-02-01T10:00:00Z","actor_id":"a-1","actor_type":"user","target_id":"t-7","target_type":"blueprint","target_component":"Custom Script"}"#),
        .init("kandji", "audit_events", "create", .integrationCreate, #"{"id":"kf8","action":"create","occurred_at":"2024-02-01T10:00:00Z","actor_id":"a-1","actor_type":"user","target_id":"t-8","target_type":"api_token","target_component":"Custom Script"}"#),
        .init("kandji", "audit_events", "update", .integrationUpdate, #"{"id":"kf9","action":"update","occurred_at":"2024-02-01T10:00:00Z","actor_id":"a-1","actor_type":"user","target_id":"t-9","target_type":"api_token","target_component":"Custom Script"}"#),
        .init("kandji", "audit_events", "delete", .integrationDelete, #"{"id":"kf10","action":"delete","occurred_at":"2024-02-01T10:00:00Z","actor_id":"a-1","actor_type":"user","target_id":"t-10","target_type":"api_token","target_component":"Custom Script"}"#),
        .init("kandji", "audit_events", "create", .resourceCreate, #"{"id":"kf11","action":"create","occurred_at":"2024-02-01T10:00:00Z","actor_id":"a-1","actor_type":"user","target_id":"t-11","target_type":"device","target_component":"Custom Script"}"#),
        .init("kandji", "audit_events", "view", .resourceRead, #"{"id":"kf12","action":"view","occurred_at":"2024-02-01T10:00:00Z","actor_id":"a-1","actor_type":"user","target_id":"t-12","target_type":"device","target_component":"Custom Script"}"#),
        .init("kandji", "audit_events", "view", .resourceRead, #"{"id":"kf13","action":"view","occurred_at":"2024-02-01T10:00:00Z","actor_id":"a-1","actor_type":"user","target_id":"t-13","target_type":"recovery_key","target_component":"Custom Script"}"#),
        .init("kandji", "audit_events", "delete", .resourceDelete, #"{"id":"kf14","action":"delete","occurred_at":"2024-02-01T10:00:00Z","actor_id":"a-1","actor_type":"user","target_id":"t-14","target_type":"device","target_component":"Custom Script"}"#),
    ]

    @Test(arguments: cases) func family(_ testCase: CatalogueCase) throws {
        try testCase.check()
    }
}
