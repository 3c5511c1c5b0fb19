import Normalizers
import RelayCore
import Testing
@testable import Vendors

/// Hand-written events in the vendor's documented shape, one per verb/object family.
@Suite struct EndorLabsFamilyTests {
    static let cases: [CatalogueCase] = [
        .init("endor-labs", "audit_logs", "USER_LOGIN", .authenticationLogin, #"{"uuid":"ef1","meta":{"create_time":"2024-02-01T10:00:00Z","created_by":"ann@example.com"},"spec":{"operation":"USER_LOGIN","message_kind":"AuthenticationLog","message_uuid":"m-1","remote_address":"198.51.100.4","claims":["email=ann@example.com"]},"tenant_meta":{"namespace":"acme"}}"#),
        .init("endor-labs", "audit_logs", "USER_LOGOUT", .authenticationLogout, #"{"uuid":"ef2","meta":{"create_time":"2024-02-01T10:00:00Z","created_by":"ann@example.com"},"spec":{"operation":"USER_LOGOUT","message_kind":"AuthenticationLog","message_uuid":"m-2","remote_address":"198.51.100.4","claims":["email=ann@example.com"]},"tenant_meta":{"namespace":"acme"}}"#),
        .init("endor-labs", "audit_logs", "OPERATION_CREATE", .userCreate, #"{"uuid":"ef3","meta":{"create_time":"2024-02-01T10:00:00Z","created_by":"ann@example.com"},"spec":{"operation":"OPERATION_CREATE","message_kind":"Invitation","message_uuid":"m-3","remote_address":"198.51.100.4","claims":["email=ann@example.com"]},"tenant_meta":{"namespace":"acme"}}"#),
        .init("endor-labs", "audit_logs", "OPERATION_CREATE", .permissionAdd, #"{"uuid":"ef4","meta":{"create_time":"2024-02-01T10:00:00Z","created_by":"ann@example.com"},"spec":{"operation":"OPERATION_CREATE","message_kind":"AuthorizationPolicy","message_uuid":"m-4","remote_address":"198.51.100.4","claims":["email=ann@example.com"]},"tenant_meta":{"namespace":"acme"}}"#),
        .init("endor-labs", "audit_logs", "OPERATION_DELETE", .permissionRemove, #"{"uuid":"ef5","meta":{"create_time":"2024-02-01T10:00:00Z","created_by":"ann@example.com"},"spec":{"operation":"OPERATION_DELETE","message_kind":"AuthorizationPolicy","message_uuid":"m-5","remote_address":"198.51.100.4","claims":["email=ann@example.com"]},"tenant_meta":{"namespace":"acme"}}"#),
        .init("endor-labs", "audit_logs", "OPERATION_CREATE", .policyCreate, #"{"uuid":"ef6","meta":{"create_time":"2024-02-01T10:00:00Z","created_by":"ann@example.com"},"spec":{"operation":"OPERATION_CREATE","message_kind":"Policy","message_uuid":"m-6","remote_address":"198.51.100.4","claims":["email=ann@example.com"]},"tenant_meta":{"namespace":"acme"}}"#),
        .init("endor-labs", "audit_logs", "OPERATION_UPDATE", .policyUpdate, #"{"uuid":"ef7","meta":{"create_time":"2024-02-01T10:00:00Z","created_by":"ann@example.com"},"spec":{"operation":"OPERATION_UPDATE","message_kind":"IdentityProvider","message_uuid":"m-7","remote_address":"198.51.100.4","claims":["email=ann@example.com"]},"tenant_meta":{"namespace":"acme"}}"#),
        .init("endor-labs", "audit_logs", "OPERATION_DELETE", .policyDelete, #"{"uuid":"ef8","meta":{"create_time":"2024-02-01T10:00:00Z","created_by":"ann@example.com"},"spec":{"operation":"OPERATION_DELETE","message_kind":"Policy","message_uuid":"m-8","remote_address":"198.51.100.4","claims":["email=ann@example.com"]},"tenant_meta":{"namespace":"acme"}}"#),
        .init("endor-labs", "audit_logs", "OPERATION_CREATE", .integrationCreate, #"{"uuid":"ef9","meta":{"create_time":"2024-02-01T10:00:00Z","created_by":"ann@example.com"},"spec":{"operation":"OPERATION_CREATE","message_kind":"APIKey","message_uuid":"m-9","remote_address":"198.51.100.4","claims":["email=ann@example.com"]},"tenant_meta":{"namespace":"acme"}}"#),
        .init("endor-labs", "audit_logs", "OPERATION_UPDATE", .integrationUpdate, #"{"uuid":"ef10","meta":{"create_time":"2024-02-01T10:00:00Z","created_by":"ann@example.com"},"spec":{"operation":"OPERATION_UPDATE","message_kind":"Installation","message_uuid":"m-10","remote_address":"198.51.100.4","claims":["email=ann@example.com"]},"tenant_meta":{"namespace":"acme"}}"#),
        .init("endor-labs", "audit_logs", "OPERATION_DELETE", .integrationDelete, #"{"uuid":"ef11","meta":{"create_time":"2024-02-01T10:00:00Z","created_by":"ann@example.com"},"spec":{"operation":"OPERATION_DELETE","message_kind":"APIKey","message_uuid":"m-11","remote_address":"198.51.100.4","claims":["email=ann@example.com"]},"tenant_meta":{"namespace":"acme"}}"#),
        .init("endor-labs", "audit_logs", "OPERATION_CREATE", .resourceCreate, #"{"uuid":"ef12","meta":{"create_time":"2024-02-01T10:00:00Z","created_by":"ann@example.com"},"spec":{"operation":"OPERATION_CREATE","message_kind":"Project","message_uuid":"m-12","remote_address":"198.51.100.4","claims":["email=ann@example.com"]},"tenant_meta":{"namespace":"acme"}}"#),
        .init("endor-labs", "audit_logs", "OPERATION_UPSERT", .resourceUpdate, #"{"uuid":"ef13","meta":{"create_time":"2024-02-01T10:00:00Z","created_by":"ann@example.com"},"spec":{"operation":"OPERATION_UPSERT","message_kind":"Project","message_uuid":"m-13","remote_address":"198.51.100.4","claims":["email=ann@example.com"]},"tenant_meta":{"namespace":"acme"}}"#),
        .init("endor-labs", "audit_logs", "OPERATION_DELETE", .resourceDelete, #"{"uuid":"ef14","meta":{"create_time":"2024-02-01T10:00:00Z","created_by":"ann@example.com"},"spec":{"operation":"OPERATION_DELETE","message_kind":"Namespace","message_uuid":"m-14","remote_address":"198.51.100.4","claims":["email=ann@example.com"]},"tenant_meta":{"namespace":"acme"}}"#),
    ]

    @Test(arguments: cases) func family(_ testCase: CatalogueCase) throws {
        try testCase.check()
    }
}
