import Replay
@testable import Vendors
import Polling
import Relay
import RelayCore
import Testing

/// The three sources' config sections, read through the real config pipeline.
@Suite struct SourceConfigurationTests {
    func parse(_ yaml: String, environment: [String: String] = [:]) throws -> (RelayConfiguration?, [String]) {
        let value = try ConfigLoader.parse(yaml: yaml, file: "test.yaml")
        let (configuration, problems) = RelayConfiguration.parse(value, secrets: SecretResolver(environment: environment))
        return (configuration, problems.map(\.description))
    }

    @Test func readsEveryCommonKeyWithVendorDefaults() throws {
        let (secret, _) = ConductorOneTests.credentials()
        let (configuration, problems) = try parse("""
            sources:
              - {id: k, type: kandji, baseURL: "https://acme.api.kandji.io/api/v1/", token: "${env:T}", interval: 30s, backfill: 2h,
                 lag: 1m, lookback: 10m, proxy: "http://proxy.internal:3128", timeout: 20s, retention: 30d}
              - {id: c, type: conductor-one, clientID: "x@acme.conductor.one/pcc", clientSecret: "${env:S}"}
              - {id: e, type: endor-labs, namespace: acme, apiKey: "${env:T}", apiSecret: "${env:T}", backfill: "2026-01-01T00:00:00Z"}
            sinks: [{type: stdout}]
            """, environment: ["T": "token-value", "S": secret])
        #expect(problems.isEmpty, "\(problems)")
        let sources = try #require(configuration?.sources.map(\.definition))
        let kandji = try #require(sources[0] as? KandjiSource)
        #expect(kandji.settings.baseURL == "https://acme.api.kandji.io")
        #expect(kandji.settings.interval == .seconds(30))
        #expect(kandji.settings.backfill == .duration(.seconds(7200)))
        #expect(kandji.settings.lag == .seconds(60))
        #expect(kandji.settings.lookback == .seconds(600))
        #expect(kandji.settings.retention == .seconds(30 * 86_400))
        #expect(kandji.settings.http.proxy == "http://proxy.internal:3128")
        #expect(kandji.settings.http.totalTimeout == .seconds(20))
        #expect(kandji.settings.pageSize == 500)
        let c1 = try #require(sources[1] as? ConductorOneSource)
        #expect(c1.settings.baseURL == "https://acme.conductor.one")  // derived from the client id
        #expect(c1.settings.interval == .seconds(60))
        #expect(c1.settings.backfill == .duration(.seconds(86_400)))
        let endor = try #require(sources[2] as? EndorLabsSource)
        #expect(endor.settings.baseURL == "https://api.endorlabs.com")
        #expect(endor.settings.backfill == .since(Timestamp(parsing: "2026-01-01T00:00:00Z")!))
        #expect(try sources.map { try $0.makeSource().id } == ["k", "c", "e"])
    }

    @Test func reportsEachBadKeyByPathWithoutSecretValues() throws {
        let (configuration, problems) = try parse("""
            sources:
              - {id: k, type: kandji, baseURL: "acme.api.kandji.io", token: "${env:T}", backfill: yesterday, proxy: "proxy:3128",
                 caBundle: /nonexistent/ca.pem, requestsPerSecond: fast, colour: blue}
              - {id: c, type: conductor-one, clientID: "no-host-here", clientSecret: "${env:T}"}
              - {id: e, type: endor-labs, namespace: "a/b", apiKey: "${env:T}"}
            sinks: [{type: stdout}]
            """, environment: ["T": "super-secret-value"])
        #expect(configuration == nil)
        #expect(problems.contains(#"sources[0].baseURL: "acme.api.kandji.io" is not an http(s) URL"#))
        #expect(problems.contains(#"sources[0].backfill: "yesterday" is not a duration (24h, 7d), an RFC 3339 time or none"#))
        #expect(problems.contains(#"sources[0].proxy: "proxy:3128" is not a URL (use e.g. http://proxy.internal:3128)"#))
        #expect(problems.contains(#"sources[0].caBundle: "/nonexistent/ca.pem" cannot be read: No such file or directory"#))
        #expect(problems.contains(#"sources[0].requestsPerSecond: "fast" is not a positive number"#))
        #expect(problems.contains("sources[0].colour: unknown key"))
        #expect(problems.contains(#"sources[1].clientID: "no-host-here" is not of the form <id>@<hostname>/<use-case>; set baseURL"#))
        #expect(problems.contains("sources[1].clientSecret: is not a ConductorOne client secret (secret-token:…:…:<Ed25519 JWK>)"))
        #expect(problems.contains(#"sources[2].namespace: "a/b" is not a namespace name"#))
        #expect(problems.contains("sources[2].apiSecret: is required"))
        #expect(!problems.joined().contains("super-secret-value"))
    }

    @Test func hostileResponseLimitsAreReadAndBounded() throws {
        let (configuration, problems) = try parse("""
            sources:
              - {id: k, type: kandji, baseURL: "https://acme.api.kandji.io", token: "${env:T}", maxResponseBytes: 8MiB, maxPageEvents: 5000}
            sinks: [{type: stdout}]
            """, environment: ["T": "token-value"])
        #expect(problems.isEmpty, "\(problems)")
        let kandji = try #require(configuration?.sources.first?.definition as? KandjiSource)
        #expect(kandji.settings.http.maxResponseBytes == 8 << 20)
        #expect(kandji.settings.maxPageEvents == 5000)
        #expect(kandji.settings.maxPageValues == 5000 * PollSettings.valuesPerEvent)

        let (_, bad) = try parse("""
            sources:
              - {id: k, type: kandji, baseURL: "https://acme.api.kandji.io", token: "${env:T}", maxResponseBytes: 2GiB, maxPageEvents: 10}
            sinks: [{type: stdout}]
            """, environment: ["T": "token-value"])
        #expect(bad.contains("sources[0].maxResponseBytes: must be between 64KiB and 1GiB (a page is held in memory while it is parsed)"), "\(bad)")
        #expect(bad.contains { $0.hasPrefix("sources[0].maxPageEvents:") }, "\(bad)")
    }
}
