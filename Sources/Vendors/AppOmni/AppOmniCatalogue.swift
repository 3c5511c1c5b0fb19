import Normalizers
import RelayCore

/// The vendor's published catalogue(s) of event names, each with the behavior rules that
/// classify its names; every decided name must classify as recorded (CatalogueTests).
extension AppOmniNormalizer {
    static let catalogued: [(catalogue: VendorCatalogue, rules: BehaviorRules)] = []
}
