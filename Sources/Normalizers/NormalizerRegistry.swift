import RelayCore

/// Which normalizer handles which `sourceType`. The standard registry, every vendor's normalizer,
/// is `VendorCatalog.normalizers`.
public struct NormalizerRegistry: Sendable {
    private let byType: [String: any Normalizer]

    public init(_ normalizers: [any Normalizer]) {
        var byType: [String: any Normalizer] = [:]
        for normalizer in normalizers { byType[normalizer.sourceType] = normalizer }
        self.byType = byType
    }

    public func normalizer(for sourceType: String) -> (any Normalizer)? { byType[sourceType] }

    /// Every known source type, sorted.
    public var sourceTypes: [String] { byType.keys.sorted() }
}
