import RelayCore

/// Which normalizer handles which `sourceType`. Adding a vendor: one file with its `Normalizer`,
/// plus one line in `standard`.
public struct NormalizerRegistry: Sendable {
    private let byType: [String: any Normalizer]

    public init(_ normalizers: [any Normalizer]) {
        var byType: [String: any Normalizer] = [:]
        for normalizer in normalizers { byType[normalizer.sourceType] = normalizer }
        self.byType = byType
    }

    public static let standard = NormalizerRegistry([
        AppOmniNormalizer(),
        BoxNormalizer(),
        ConductorOneNormalizer(),
        DuoNormalizer(),
        EndorLabsNormalizer(),
        GitHubNormalizer(),
        GoogleWorkspaceNormalizer(),
        KandjiNormalizer(),
        Microsoft365Normalizer(),
        OktaNormalizer(),
        OneLoginNormalizer(),
        PingOneNormalizer(),
        SalesforceNormalizer(),
        ServiceNowNormalizer(),
        SlackNormalizer(),
        SnowflakeNormalizer(),
        VeevaVaultNormalizer(),
        WorkdayNormalizer(),
    ])

    public func normalizer(for sourceType: String) -> (any Normalizer)? { byType[sourceType] }

    /// Every known source type, sorted.
    public var sourceTypes: [String] { byType.keys.sorted() }
}
