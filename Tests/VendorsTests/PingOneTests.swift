import Foundation
import Polling
@testable import Relay
import RelayCore
import Testing
@testable import Vendors

@Suite(.timeLimit(.minutes(3))) struct PingOneTests {
    static let environmentID = "0f3e9c2a-1111-4d2e-9a55-5e0c2d7d9b10"
    static let clientID = "p1-worker-51e0"
    static let clientSecret = "p1-secret-c0ffee-8d2"
    static let deniedClient = "p1-denied-7731"

    static let vendorCase = VendorCase.of(
        PingOneSource.self, name: "pingone", script: "pingone.py",
        lookalikeArguments: ["--client-id", clientID, "--client-secret", clientSecret, "--env-id", environmentID, "--denied-client", deniedClient],
        keys: [("authURL", "baseURL"), ("environmentID", environmentID), ("clientID", clientID), ("clientSecret", clientSecret)],
        deniedKeys: [("authURL", "baseURL"), ("environmentID", environmentID), ("clientID", deniedClient), ("clientSecret", clientSecret)],
        secrets: [clientSecret], idPath: ["id"], pageSize: 200,
        permissionText: "the worker app lacks a role that can read audit activities", vendorRateLimitFault: "429v", rejectedCursorFault: "badcursor",
        tokenExpires: true)

    @Test func aRegionNamesTheAuthAndAPIHosts() {
        for (region, api) in [("com", "https://api.pingone.com"), ("eu", "https://api.pingone.eu"), ("com.au", "https://api.pingone.com.au")] {
            let diagnostics = ConfigDiagnostics()
            let section = ConfigSection(path: "sources[0]", value: .map([
                ("id", .scalar("p1")), ("region", .scalar(region)), ("environmentID", .scalar(Self.environmentID)),
                ("clientID", .scalar("c")), ("clientSecret", .scalar("s")),
            ]), diagnostics: diagnostics, secrets: SecretResolver(environment: [:]))
            let source = PingOneSource(section)
            #expect(diagnostics.problems.isEmpty)
            #expect(source.settings.baseURL == api)
            #expect(source.authURL == api.replacingOccurrences(of: "//api.", with: "//auth."))
        }
        let diagnostics = ConfigDiagnostics()
        _ = PingOneSource(ConfigSection(path: "sources[0]", value: .map([
            ("id", .scalar("p1")), ("region", .scalar("mars")), ("environmentID", .scalar("e/1")), ("clientID", .scalar("c")), ("clientSecret", .scalar("s")),
        ]), diagnostics: diagnostics, secrets: SecretResolver(environment: [:])))
        #expect(diagnostics.problems.map(\.description).contains { $0.contains("\"mars\" is not a PingOne region") })
        #expect(diagnostics.problems.map(\.description).contains { $0.contains("environmentID") })
    }

    @Test func theFilterAsksForTheWindowInMilliseconds() throws {
        let api = PingOneSource.Activities(baseURL: "https://api.pingone.eu", environmentID: Self.environmentID)
        let window = PollWindow(from: Timestamp(parsing: "2026-03-01T11:00:00Z")!, to: Timestamp(parsing: "2026-03-01T12:00:00Z")!)
        let request = try api.request(window: window, pageToken: nil, pageSize: 500)
        let query = Dictionary(uniqueKeysWithValues: (URLParts(request.url)?.queryItems ?? []).map { ($0.name, $0.value) })
        #expect(query["filter"] == #"recordedAt gt "2026-03-01T11:00:00.000Z" AND recordedAt lt "2026-03-01T12:00:00.000Z""#)
        #expect(query["limit"] == "500")
        #expect(URLParts(request.url)?.path == "/v1/environments/\(Self.environmentID)/activities")
    }
}
