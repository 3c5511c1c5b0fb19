import Normalizers
import Polling
import RelayCore

/// Every vendor auditrelay knows: its normalizer and, where it can be polled, its source type.
/// Adding a vendor: its folder (`Sources/Vendors/<Vendor>/`) and one line here.
public enum VendorCatalog {
    public struct Vendor: Sendable {
        public let normalizer: any Normalizer
        /// Builds the configured source from its config section; nil: events arrive by replay only.
        public let source: (@Sendable (ConfigSection) -> any SourceDefinition)?

        init(_ normalizer: any Normalizer) {
            self.normalizer = normalizer
            source = nil
        }

        init<Source: PolledVendor>(_ normalizer: any Normalizer, polled: Source.Type) {
            self.normalizer = normalizer
            source = { section in
                let source = Source(section)
                source.checkStreamSettings(section)
                return source
            }
        }

        public var sourceType: String { normalizer.sourceType }
    }

    public static let vendors: [Vendor] = [
        Vendor(AppOmniNormalizer(), polled: AppOmniSource.self),
        Vendor(BoxNormalizer(), polled: BoxSource.self),
        Vendor(ConductorOneNormalizer(), polled: ConductorOneSource.self),
        Vendor(DuoNormalizer(), polled: DuoSource.self),
        Vendor(EndorLabsNormalizer(), polled: EndorLabsSource.self),
        Vendor(GitHubNormalizer(), polled: GitHubSource.self),
        Vendor(GoogleWorkspaceNormalizer(), polled: GoogleWorkspaceSource.self),
        Vendor(KandjiNormalizer(), polled: KandjiSource.self),
        Vendor(Microsoft365Normalizer(), polled: Microsoft365Source.self),
        Vendor(OktaNormalizer(), polled: OktaSource.self),
        Vendor(OneLoginNormalizer(), polled: OneLoginSource.self),
        Vendor(PingOneNormalizer(), polled: PingOneSource.self),
        Vendor(SalesforceNormalizer(), polled: SalesforceSource.self),
        Vendor(ServiceNowNormalizer(), polled: ServiceNowSource.self),
        Vendor(SlackNormalizer(), polled: SlackSource.self),
        Vendor(SnowflakeNormalizer(), polled: SnowflakeSource.self),
        Vendor(VeevaVaultNormalizer(), polled: VeevaVaultSource.self),
        Vendor(WorkdayNormalizer(), polled: WorkdaySource.self),
    ]

    /// Every vendor's published event-name catalogues with the rules that classify their names.
    public static let catalogues: [(catalogue: VendorCatalogue, rules: BehaviorRules)] = [
        AppOmniNormalizer.catalogued, BoxNormalizer.catalogued, ConductorOneNormalizer.catalogued, DuoNormalizer.catalogued,
        EndorLabsNormalizer.catalogued, GitHubNormalizer.catalogued, GoogleWorkspaceNormalizer.catalogued, KandjiNormalizer.catalogued,
        Microsoft365Normalizer.catalogued, OktaNormalizer.catalogued, OneLoginNormalizer.catalogued, PingOneNormalizer.catalogued,
        SalesforceNormalizer.catalogued, ServiceNowNormalizer.catalogued, SlackNormalizer.catalogued, SnowflakeNormalizer.catalogued,
        VeevaVaultNormalizer.catalogued, WorkdayNormalizer.catalogued,
    ].flatMap { $0 }

    /// Every vendor's normalizer, by source type.
    public static let normalizers = NormalizerRegistry(vendors.map(\.normalizer))

    /// Pushed source types (webhooks, served by the webhook receiver instead of polled), with their
    /// parsers. Their records use the vendor's normalizer (`github-webhook` -> `github`).
    public static let pushed: [String: @Sendable (ConfigSection) -> any SourceDefinition] = [
        "github-webhook": { GitHubWebhookSource($0) },
    ]

    /// The source types a config may name (polled and pushed), with their parsers.
    public static let sources: [String: @Sendable (ConfigSection) -> any SourceDefinition] = Dictionary(
        uniqueKeysWithValues: vendors.compactMap { vendor in vendor.source.map { (vendor.sourceType, $0) } })
        .merging(pushed) { polled, _ in polled }
}
