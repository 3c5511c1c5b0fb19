import Logging
import RelayCore

/// A polled vendor as its folder declares it: its defaults, the config keys of its own, its
/// streams and its credential. The kit does the rest: the common settings, building the
/// `Poller`, and being a `SourceDefinition` the config can name.
///
///     public struct KandjiSource: PolledVendor {
///         public static let defaults = VendorDefaults(…)
///         public var settings: PollSettings
///         var token: Secret
///         public init(_ section: ConfigSection) { … }
///         public func streams() throws -> [any VendorAPI] { [API(baseURL: settings.baseURL)] }
///         public func authenticator() throws -> any Authenticator { StaticTokenAuth(token: token) }
///     }
public protocol PolledVendor: SourceDefinition {
    /// What the vendor documents about itself (retention, lag, page size, rate), as setting defaults.
    static var defaults: VendorDefaults { get }
    /// The common settings (`id`, `baseURL`, `interval`, `backfill`, …).
    var settings: PollSettings { get set }
    /// Reads the vendor's config section, reporting problems to it (with their key paths).
    init(_ section: ConfigSection)
    /// One `VendorAPI` per stream this source reads.
    func streams() throws -> [any VendorAPI]
    /// The credential every request of every stream carries.
    func authenticator() throws -> any Authenticator
}

extension PolledVendor {
    public var id: String { settings.id }

    /// The running source. Tests pass a clock that does not sleep and a capturing logger.
    public func makePoller(clock: any PollClock = SystemPollClock(), http: (any HTTPSending)? = nil,
                           logger: Logger = Logger(label: "auditrelay.poll")) throws -> Poller {
        let streams = try streams()
        guard !streams.isEmpty else { throw PollError.invalidRequest("the source names no stream to read", endpoint: settings.baseURL) }
        return Poller(streams: streams, settings: settings, authenticator: try authenticator(), http: http, clock: clock, logger: logger)
    }

    public func makeSource() throws -> any AuditSource { try makePoller() }

    /// Reports `streamSettings` entries that name no stream of this source.
    public func checkStreamSettings(_ section: ConfigSection) {
        guard !settings.streamTimings.isEmpty, let names = try? streams().map(\.stream) else { return }
        for stream in settings.streamTimings.keys.sorted() where !names.contains(stream) {
            section.report("streamSettings", "\"\(stream)\" is not a stream of this source (its streams: \(names.joined(separator: ", ")))")
        }
    }
}

/// An OAuth client's id and secret as most vendors name them in the config (`clientID`,
/// `clientSecret`), both required.
public struct ClientCredentials: Sendable {
    public var id: String
    public var secret: Secret

    public init(_ section: ConfigSection) {
        id = section.requiredString("clientID")
        secret = section.requiredSecret("clientSecret")
    }
}

extension ConfigSection {
    /// Which of a vendor's credential forms the config gives (`username` + `password` or
    /// `clientID` + `clientSecret`): its index, or nil after reporting none, more than one, or one
    /// with a key missing. Keys the forms share (a client id) are not listed.
    public func credentialForm(_ forms: [(keys: [String], name: String)]) -> Int? {
        func described(_ form: (keys: [String], name: String)) -> String { form.keys.joined(separator: " and ") + " (\(form.name))" }
        let started = forms.indices.filter { forms[$0].keys.contains(where: has) }
        guard let first = started.first else {
            report(forms[0].keys[0], "set either " + forms.map(described).joined(separator: " or "))
            return nil
        }
        guard started.count == 1 else {
            report(forms[first].keys[0], "set either " + started.map { described(forms[$0]) }.joined(separator: " or ") + ", not both")
            return nil
        }
        if let missing = forms[first].keys.first(where: { !has($0) }) {
            report(missing, "\(forms[first].keys.joined(separator: " and ")) go together (\(forms[first].name))")
            return nil
        }
        return first
    }
}
