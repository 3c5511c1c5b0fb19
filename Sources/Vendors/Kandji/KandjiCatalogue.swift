import Normalizers
import RelayCore

extension VendorCatalogue {
    /// Kandji (Iru) publishes the audit log's event categories (Blueprint and Library Item create,
    /// update, delete; sensitive-data access; device lifecycle; directory users; tenant owner, API
    /// token and admin user management) but no enumerated action list: these rows are those
    /// categories in the normalizer's `<target_type>:<action>` key space, fetched 2026-12-06.
    static let kandji = VendorCatalogue(vendor: "kandji", source: "https://api-docs.kandji.io/#audit-log", rows: #"""
admin_user:create	user.create
admin_user:update	user.update
admin_user:delete	user.delete
user:create	user.create
user:update	user.update
user:delete	user.delete
directory_user:create	user.create
directory_user:update	user.update
directory_user:delete	user.delete
tenant_owner:update	permission.add
api_token:create	integration.create
api_token:update	integration.update
api_token:delete	integration.delete
integration:create	integration.create
integration:update	integration.update
integration:delete	integration.delete
blueprint:create	policy.create
blueprint:update	policy.update
blueprint:delete	policy.delete
library_item:create	policy.create
library_item:update	policy.update
library_item:delete	policy.delete
device:create	resource.create
device:update	resource.update
device:delete	resource.delete
device:view	resource.read
"""#)
}

/// The vendor's published catalogue(s) of event names, each with the behavior rules that
/// classify its names; every decided name must classify as recorded (CatalogueTests).
extension KandjiNormalizer {
    static let catalogued: [(catalogue: VendorCatalogue, rules: BehaviorRules)] = [(.kandji, KandjiNormalizer.rules)]
}
