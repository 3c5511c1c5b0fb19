import Foundation
import Polling
@testable import Relay
import RelayCore
import Testing
@testable import Vendors

@Suite(.timeLimit(.minutes(3))) struct DuoTests {
    static let ikey = "DIXTESTIKEY000000001"
    static let skey = "duoSkeyZh5eGmUq9zpfQnyUIu5OL9iWoMMv5Zk3"
    static let deniedIkey = "DIXDENIEDIKEY0000002"

    static let vendorCase: VendorCase = {
        var vendorCase = VendorCase.of(
            DuoSource.self, name: "duo", script: "duo.py",
            lookalikeArguments: ["--ikey", ikey, "--skey", skey, "--denied-ikey", deniedIkey, "--admin-events", "0"],
            keys: [("integrationKey", ikey), ("secretKey", skey), ("streams", "[authentication]")],
            deniedKeys: [("integrationKey", deniedIkey), ("secretKey", skey), ("streams", "[authentication]")],
            secrets: [skey], idPath: ["txid"], pageSize: 200,
            permissionText: "the Admin API application lacks the \"Grant read log\" permission", vendorRateLimitFault: "429duo",
            rejectedCursorFault: "badoffset", tokenExpires: false)
        vendorCase.lateAge = 200  // Duo holds the last 2 minutes back
        vendorCase.newestAge = 300
        return vendorCase
    }()

    // MARK: The signer, against the canonical strings and signatures of Duo's own client test suites
    // (duo_client_python tests/test_client.py, duo_api_golang duo_test.go).

    static let docsKey = "Zh5eGmUq9zpfQnyUIu5OL9iWoMMv5ZNmk3zLJ4Ep"
    static let docsDate = "Tue, 21 Aug 2012 17:29:18 -0000"

    @Test func canonicalParametersMatchDuosClientTests() {
        #expect(DuoRequestSigner.canonicalParameters([("realname", "First Last")]) == "realname=First%20Last")
        #expect(DuoRequestSigner.canonicalParameters([
            ("digits", "0123456789"), ("letters", "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"),
            ("punctuation", "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"), ("whitespace", "\t\n\u{b}\u{c}\r "),
        ]) == "digits=0123456789&letters=abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ&punctuation=%21%22%23%24%25%26%27%28%29%2A%2B%2C-.%2F%3A%3B%3C%3D%3E%3F%40%5B%5C%5D%5E_%60%7B%7C%7D~&whitespace=%09%0A%0B%0C%0D%20")
        #expect(DuoRequestSigner.canonicalParameters([("foo_bar", "2"), ("foo", "1")]) == "foo=1&foo_bar=2")
        #expect(DuoRequestSigner.canonicalParameters([("username", "H ell?o"), ("password", "H-._~i"), ("password", "A(!'*)")])
            == "password=A%28%21%27%2A%29&password=H-._~i&username=H%20ell%3Fo")
        // Sorted by the encoded bytes, not the raw ones: "a/" -> "a%2F" sorts before "a-", "é" before "a".
        #expect(DuoRequestSigner.canonicalParameters([("z", "4"), ("a-", "1"), ("a/", "2"), ("\u{e9}", "3"), ("k", "b-"), ("k", "b/")])
            == "%C3%A9=3&a%2F=2&a-=1&k=b%2F&k=b-&z=4")
    }

    @Test func unicodeKeysAndValuesMatchDuosFuzzVector() {
        let parameters = [
            ("\u{469a}\u{287b}\u{35d0}\u{8ef3}\u{6727}\u{502a}\u{810}\u{d091}\u{c8}\u{c170}", "\u{f45}\u{1a76}\u{341a}\u{654c}\u{c23f}\u{9b09}\u{abe2}\u{8343}\u{1b27}\u{60d0}"),
            ("\u{7449}\u{7e4b}\u{ccfb}\u{59ff}\u{fe5f}\u{83b7}\u{adcc}\u{900c}\u{cfd1}\u{7813}", "\u{8db7}\u{5022}\u{92d3}\u{42ef}\u{207d}\u{8730}\u{acfe}\u{5617}\u{946}\u{4e30}"),
            ("\u{7470}\u{9314}\u{901c}\u{9eae}\u{40d8}\u{4201}\u{82d8}\u{8c70}\u{1d31}\u{a042}", "\u{17d9}\u{ba8}\u{9358}\u{aadf}\u{a42a}\u{48be}\u{fb96}\u{6fe9}\u{b7ff}\u{32f3}"),
            ("\u{c2c5}\u{2c1d}\u{2620}\u{3617}\u{96b3}F\u{8605}\u{20e8}\u{ac21}\u{5934}", "\u{fba9}\u{41aa}\u{bd83}\u{840b}\u{2615}\u{3e6e}\u{652d}\u{a8b5}\u{d56b}U"),
        ].map { (name: $0.0, value: $0.1) }
        let canonical = DuoRequestSigner.canonical(version: .v2, date: "Fri, 07 Dec 2012 17:18:00 -0000", method: "PoSt", host: "foO.BAr52.cOm",
                                                   path: "/Foo/BaR2/qux", parameters: parameters)
        #expect(canonical.hasPrefix("Fri, 07 Dec 2012 17:18:00 -0000\nPOST\nfoo.bar52.com\n/Foo/BaR2/qux\n%E4%9A%9A%E2%A1%BB"))
        #expect(DuoRequestSigner.signature(version: .v2, canonical: canonical, secretKey: "gtdfxv9YgVBYcF6dl2Eq17KUQJN2PLM2ODVTkvoT")
            == "f01811cbbf9561623ab45b893096267fd46a5178")
    }

    @Test func v2SignaturesMatchDuosDocumentedExampleAndAnAuthenticationLogPage() {
        let example = DuoRequestSigner.canonical(version: .v2, date: Self.docsDate, method: "POST", host: "api-XXXXXXXX.duosecurity.com",
                                                 path: "/accounts/v1/account/list", parameters: [("username", "root"), ("realname", "First Last")])
        #expect(example == "Tue, 21 Aug 2012 17:29:18 -0000\nPOST\napi-xxxxxxxx.duosecurity.com\n/accounts/v1/account/list\nrealname=First%20Last&username=root")
        let signature = DuoRequestSigner.signature(version: .v2, canonical: example, secretKey: Self.docsKey)
        #expect(signature == "2d97d6166319781b5a3a07af39d366f491234edc")
        #expect(BasicAuth.headerValue(username: "DIWJ8X6AEYOR5OMC6TQ1", password: signature)
            == "Basic RElXSjhYNkFFWU9SNU9NQzZUUTE6MmQ5N2Q2MTY2MzE5NzgxYjVhM2EwN2FmMzlkMzY2ZjQ5MTIzNGVkYw==")
        let page = DuoRequestSigner.canonical(version: .v2, date: "Tue, 14 Nov 2023 22:13:20 +0000", method: "GET", host: "api-XXXXXXXX.duosecurity.com",
                                              path: "/admin/v2/logs/authentication", parameters: [
                                                  ("mintime", "1700000000000"), ("maxtime", "1700003600000"), ("limit", "1000"), ("sort", "ts:asc"),
                                                  ("next_offset", "1700000123456,5bea5c1e-682c-4f1d-b3f0-75fd31385bd5")])
        #expect(page.hasSuffix("\nlimit=1000&maxtime=1700003600000&mintime=1700000000000&next_offset=1700000123456%2C5bea5c1e-682c-4f1d-b3f0-75fd31385bd5&sort=ts%3Aasc"))
        #expect(DuoRequestSigner.signature(version: .v2, canonical: page, secretKey: Self.docsKey) == "e525aa4b9f1d0bed7d915e19f9de0a9fe421ee52")
    }

    @Test func v5SignaturesMatchDuosClientTests() {
        let emptyHash = "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"
        // duo_client_python test_v5_with_json: the JSON body and one X-Duo header are signed too.
        let json = DuoRequestSigner.canonical(version: .v5, date: "Tue, 17 Nov 2020 14:12:00", method: "POST", host: "foO.BaR52.cOm", path: "/Foo/BaR2/qux",
                                              parameters: [], body: Array(#"{"alpha":["a","b","c","d"],"data":"abc123","info":{"another":2,"test":1}}"#.utf8),
                                              duoHeaders: [("X-Duo-Header-1", "header_value_1")])
        #expect(json.hasSuffix("\n630b4bfe7e9abd03da2eee8f0a5d4e60a254ec880a839bcc2223bb5b9443e8ef24d58f0254f1f5934bf8c017ebd0fd5b1acf86766bdbe74185e712a4092df3ed"))
        #expect(DuoRequestSigner.signature(version: .v5, canonical: json, secretKey: "gtdfxv9YgVBYcF6dl2Eq17KUQJN2PLM2ODVTkvoT")
            == "d683285f6ca48f26d885d77c5200b3394e8a33ebab4b08fb2ecc7776dfdab5c3a6ec312e733d44824cb2d2b2910bfdf58b50f383429f0b65a772990e02199649")
        // Header names are lower-cased, then sorted.
        let headers = DuoRequestSigner.canonical(version: .v5, date: "Tue, 17 Nov 2020 14:12:00", method: "POST", host: "foO.BaR52.cOm", path: "/Foo/BaR2/qux",
                                                 parameters: [], body: Array(#"{"alpha":["a","b","c","d"],"data":"abc123","info":{"another":2,"test":1}}"#.utf8),
                                                 duoHeaders: [("X-Duo-B", "header_value_2"), ("x-duo-A", "header_value_1")])
        #expect(headers.hasSuffix("\n60be11a30e0756f2ee2afdce1db849b987dcf86c1133394bd7bbbc9877920330c4d78aceacbb377ab8cbd9a8efe6a410fed4047376635ac71226ab46ca10d2b1"))
        // An authentication-log page (GET: empty body, no X-Duo headers).
        let page = DuoRequestSigner.canonical(version: .v5, date: "Tue, 14 Nov 2023 22:13:20 +0000", method: "GET", host: "api-XXXXXXXX.duosecurity.com",
                                              path: "/admin/v2/logs/authentication", parameters: [
                                                  ("mintime", "1700000000000"), ("maxtime", "1700003600000"), ("limit", "1000"), ("sort", "ts:asc"),
                                                  ("next_offset", "1700000123456,5bea5c1e-682c-4f1d-b3f0-75fd31385bd5")])
        #expect(page.hasSuffix("\n\(emptyHash)\n\(emptyHash)"))
        #expect(DuoRequestSigner.signature(version: .v5, canonical: page, secretKey: Self.docsKey)
            == "f57c795e00c8cb4b4099f8d6441214eef145d9fa14b674b1aea72ffe956b172841b7e98f2427c659e8cc10efe3cb864cf574ecdf7e832631f12a3ae19a553c2b")
    }

    @Test func eachRequestIsSignedWithItsOwnDateAndSendsTheQueryItSigned() async throws {
        let clock = AdvancingClock()  // does not tick between signing and checking
        let signer = DuoRequestSigner(integrationKey: "DIWJ8X6AEYOR5OMC6TQ1", secretKey: Secret(Self.docsKey))
        var request = HTTPRequest(url: "https://api-xxxxxxxx.duosecurity.com/admin/v1/logs/administrator?z=1&a=b%20c")
        try await signer.authorize(&request, context: AuthContext(http: HTTPClient(), clock: clock))
        #expect(request.url == "https://api-xxxxxxxx.duosecurity.com/admin/v1/logs/administrator?a=b%20c&z=1")
        #expect(request.header("Date") == DuoRequestSigner.date(clock.now()))
        #expect(DuoRequestSigner.date(Timestamp(parsing: "2012-08-21T17:29:18Z")!) == Self.docsDate)
    }

    @Test func streamsAndTheirSettingsAreCheckedByName() {
        let diagnostics = ConfigDiagnostics()
        let section = ConfigSection(path: "sources[0]", value: .map([
            ("id", .scalar("duo")), ("baseURL", .scalar("https://api-x.duosecurity.com")),
            ("integrationKey", .scalar("DI1")), ("secretKey", .scalar("s")), ("streams", .list([.scalar("authentication"), .scalar("sms")])),
            ("streamSettings", .map([("authentication", .map([("lag", .scalar("5m")), ("lookback", .scalar("20m"))])),
                                     ("administrator", .map([("lag", .scalar("1m"))]))])),
        ]), diagnostics: diagnostics, secrets: SecretResolver(environment: [:]))
        let source = VendorCatalog.sources["duo"]?(section) as? DuoSource
        section.finish()
        let problems = diagnostics.problems.map(\.description)
        #expect(problems.contains { $0.contains("sources[0].streams: \"sms\" is not a Duo log") }, "\(problems)")
        #expect(problems.contains { $0.contains("sources[0].streamSettings: \"administrator\" is not a stream of this source (its streams: authentication)") }, "\(problems)")
        #expect(problems.count == 2, "\(problems)")
        #expect(source?.settings.lag(for: "authentication") == .seconds(300))
        #expect(source?.settings.lookback(for: "authentication") == .seconds(1200))
        #expect(source?.settings.lookback(for: "telephony") == .seconds(300))
    }

    // MARK: Against the look-alike

    @Test func bothLogsAreReadEachWithItsCursorAndTheAdministratorBoundaryIsDeduplicated() async throws {
        // 1,205 administrator events in threes sharing a second: the 1,000-event cut falls inside one.
        let vendor = try Lookalike("duo.py", ["--ikey", Self.ikey, "--skey", Self.skey, "--events", "700", "--admin-events", "1205",
                                              "--span", "7200", "--newest-age", "300"])
        defer { vendor.stop() }
        var both = Self.vendorCase
        both.keys = [("integrationKey", Self.ikey), ("secretKey", Self.skey)]
        let logs = LogCapture()
        let log = TestRecordLog()
        let clock = AdvancingClock()
        let poller = try both.source(vendor, pageSize: 1000) { $0.requestsPerSecond = 0.5; $0.burst = 1 }.makePoller(clock: clock, logger: logs.logger())
        #expect(await PipelineRun.once(poller, log: log, logger: logs.logger()) == nil)
        let records = await log.records(idPath: ["txid"])
        #expect(records.compactMap(\.vendorID).count == 700)
        #expect(Set(records.compactMap(\.vendorID)) == Set(try await vendor.stats().ids))
        // Administrator events have no id: each is in the log once, by its content.
        let administrator = records.filter { $0.vendorID == nil }
        #expect(administrator.count == 1205)
        #expect(Set(administrator.map(\.json)).count == 1205)
        #expect(try await vendor.statistic("admin_events") == 1205)
        let cursor = try #require(await log.committedCursor(source: "duo-test").flatMap { SourceCursor(decoding: $0, defaultStream: "authentication") })
        #expect(cursor.streams.keys.sorted() == ["administrator", "authentication"])
        // One request every 2 s for the whole account, both logs together: on a clock that moves only
        // by what is slept, every request after the first waits its 2 s.
        let requests = try await vendor.stats().dataRequests
        let paced = clock.sleeps.filter { $0 > .zero }
        #expect(requests >= 3)
        #expect(paced.count == requests - 1, "\(clock.sleeps)")
        #expect(paced.allSatisfy { $0 >= .milliseconds(1990) && $0 <= .seconds(2) }, "\(clock.sleeps)")
        #expect(try await vendor.stats().badRequests == 0)
    }

    @Test func signatureVersion5IsAcceptedByTheLookalike() async throws {
        let vendor = try Lookalike("duo.py", ["--ikey", Self.ikey, "--skey", Self.skey, "--sig-version", "5", "--events", "250",
                                              "--admin-events", "0", "--span", "7200", "--newest-age", "300"])
        defer { vendor.stop() }
        var v5 = Self.vendorCase
        v5.keys.append(("signatureVersion", "5"))
        let logs = LogCapture()
        try await PipelineRun.expectEveryEventOnce(try v5.source(vendor).makePoller(clock: InstantSleepClock(), logger: logs.logger()),
                                                   from: vendor, idPath: ["txid"], count: 250, logs: logs)
    }

    @Test(arguments: ["with-port", "without-port"])
    func aServerSigningItsHostWithOrWithoutThePortIsMet(_ hostForm: String) async throws {
        let vendor = try Lookalike("duo.py", ["--ikey", Self.ikey, "--skey", Self.skey, "--host-form", hostForm, "--events", "300",
                                              "--admin-events", "0", "--span", "7200", "--newest-age", "300"])
        defer { vendor.stop() }
        let logs = LogCapture()
        let poller = try Self.vendorCase.source(vendor, pageSize: 100).makePoller(clock: InstantSleepClock(), logger: logs.logger())
        let log = TestRecordLog()
        #expect(await PipelineRun.once(poller, log: log, logger: logs.logger()) == nil)
        #expect(Set(await log.records(idPath: ["txid"]).compactMap(\.vendorID)) == Set(try await vendor.stats().ids))
        // At most the first request is refused: the form that works is kept.
        #expect(try await vendor.stats().authFailures == (hostForm == "with-port" ? 1 : 0))
    }

    @Test func aRejectedSignatureOrTimestampSaysSoWithTheMeasuredClockSkew() async throws {
        let vendor = try Self.vendorCase.start(events: 20)
        defer { vendor.stop() }
        // This host's clock 7 minutes fast: Duo refuses the Date.
        let logs = LogCapture()
        let skewed = try Self.vendorCase.source(vendor).makePoller(clock: InstantSleepClock(offset: .seconds(420)), logger: logs.logger())
        let skewFailure = "\(try #require(await PipelineRun.once(skewed, log: TestRecordLog(), logger: logs.logger())))"
        #expect(skewFailure.contains("duo: Duo rejected the request's timestamp (40105"), "\(skewFailure)")
        #expect(skewFailure.contains("this host's clock is 42"), "\(skewFailure)")  // 420 s ± a second
        #expect(skewFailure.contains("ahead of Duo's"))
        // A wrong secret key: the signature is refused, and the clocks agree.
        var wrong = Self.vendorCase
        wrong.keys = [("integrationKey", Self.ikey), ("secretKey", "duoWRONGsecretKEY00000000000000000000000"), ("streams", "[authentication]")]
        let badKey = try wrong.source(vendor).makePoller(clock: InstantSleepClock(), logger: logs.logger())
        let keyFailure = "\(try #require(await PipelineRun.once(badKey, log: TestRecordLog(), logger: logs.logger())))"
        #expect(keyFailure.contains("duo: Duo rejected the request signature (40103"), "\(keyFailure)")
        #expect(keyFailure.contains("check integrationKey and secretKey"))
        #expect(keyFailure.contains("clock agrees with Duo's"))
        #expect(!logs.text.contains("duoWRONGsecretKEY") && !keyFailure.contains("duoWRONGsecretKEY"))
        #expect(!logs.text.contains(Self.skey))
    }
}
