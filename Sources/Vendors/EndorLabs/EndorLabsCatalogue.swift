import Normalizers
import RelayCore

extension VendorCatalogue {
    /// Audit log keys `<spec.operation>:<spec.message_kind>` for the write operations on the resource
    /// kinds that govern access and configuration (Endor Labs documents the operations and the
    /// resource kinds separately, not a list of audited pairs), fetched 2026-12-06.
    static let endorLabs = VendorCatalogue(vendor: "endor-labs", source: "https://docs.endorlabs.com/rest-api/using-the-rest-api/data-model/resource-kinds/", rows: #"""
OPERATION_CREATE:AuthorizationPolicy	permission.add
OPERATION_UPSERT:AuthorizationPolicy	permission.add
OPERATION_UPDATE:AuthorizationPolicy	permission.add
OPERATION_DELETE:AuthorizationPolicy	permission.remove
OPERATION_CREATE:Policy	policy.create
OPERATION_UPSERT:Policy	policy.update
OPERATION_UPDATE:Policy	policy.update
OPERATION_DELETE:Policy	policy.delete
OPERATION_CREATE:APIKey	integration.create
OPERATION_UPSERT:APIKey	integration.update
OPERATION_UPDATE:APIKey	integration.update
OPERATION_DELETE:APIKey	integration.delete
OPERATION_CREATE:Installation	integration.create
OPERATION_UPSERT:Installation	integration.update
OPERATION_UPDATE:Installation	integration.update
OPERATION_DELETE:Installation	integration.delete
OPERATION_CREATE:IdentityProvider	policy.create
OPERATION_UPSERT:IdentityProvider	policy.update
OPERATION_UPDATE:IdentityProvider	policy.update
OPERATION_DELETE:IdentityProvider	policy.delete
OPERATION_CREATE:Invitation	user.create
OPERATION_UPSERT:Invitation	resource.update
OPERATION_UPDATE:Invitation	resource.update
OPERATION_DELETE:Invitation	resource.delete
OPERATION_CREATE:Project	resource.create
OPERATION_UPSERT:Project	resource.update
OPERATION_UPDATE:Project	resource.update
OPERATION_DELETE:Project	resource.delete
OPERATION_CREATE:Namespace	resource.create
OPERATION_UPSERT:Namespace	resource.update
OPERATION_UPDATE:Namespace	resource.update
OPERATION_DELETE:Namespace	resource.delete
USER_LOGIN:AuthenticationLog	authentication.login
USER_LOGOUT:AuthenticationLog	authentication.logout
"""#)
}

/// The vendor's published catalogue(s) of event names, each with the behavior rules that
/// classify its names; every decided name must classify as recorded (CatalogueTests).
extension EndorLabsNormalizer {
    static let catalogued: [(catalogue: VendorCatalogue, rules: BehaviorRules)] = [(.endorLabs, EndorLabsNormalizer.rules)]
}
