import Foundation
import Testing
@testable import Enrichment
import GeoIP
import RelayCore

/// Expected values were read with Debian's `mmdblookup` (libmaxminddb) from MaxMind's test databases.
@Suite struct GeoIPEnricherTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let data = "\(root)/.cache/mmdb-test-data/test-data"

    static func database(_ name: String) throws -> String {
        let path = "\(data)/\(name).mmdb"
        guard FileManager.default.fileExists(atPath: path) else {
            throw TestDataMissing(description: "\(path) is missing: run scripts/fetch-mmdb-test-data.sh")
        }
        return path
    }

    struct TestDataMissing: Error, CustomStringConvertible { let description: String }

    func record(src: String, dst: String = "") -> AuditRecord {
        var record = AuditRecord()
        record.src.ip = src
        record.dst.ip = dst
        return record
    }

    @Test func cityASNISPAndConnectionTypeFillTheColumns() throws {
        let enricher = try GeoIPEnricher(paths: [
            try Self.database("GeoIP2-City-Test"), try Self.database("GeoLite2-ASN-Test"),
            try Self.database("GeoIP2-ISP-Test"), try Self.database("GeoIP2-Connection-Type-Test"),
        ])
        var records = [record(src: "81.2.69.160", dst: "1.128.0.1"), record(src: "1.0.1.1")]
        enricher.enrich(&records)
        let london = records[0].src
        #expect(london.asCountryCode == "GB" && london.city == "London")
        #expect(london.latitude == 51.5142 && london.longitude == -0.0931)
        let telstra = records[0].dst
        #expect(telstra.asNumber == 1221 && telstra.asOrganization == "Telstra Pty Ltd" && telstra.isp == "Telstra Internet")
        #expect(records[1].src.connectionType == "Cellular")
        let types = records[0].enrichments.map(\.type)
        #expect(types.contains("GeoIP2-City") && types.contains("GeoLite2-ASN") && types.contains("GeoIP2-ISP"))
        #expect(records[0].enrichments.allSatisfy { $0.provider == "maxmind" && $0.name == "geoip" })
        let city = try #require(records[0].enrichments.first { $0.type == "GeoIP2-City" })
        #expect(city.value == "81.2.69.160" && city.data["city"] == "London" && city.data["countryCode"] == "GB")
    }

    @Test func enterpriseGivesUserTypeAndTraits() throws {
        let enricher = try GeoIPEnricher(paths: [try Self.database("GeoIP2-Enterprise-Test")])
        let (endpoint, enrichments) = enricher.lookup("74.209.24.0")
        #expect(endpoint.asCountryCode == "US" && endpoint.city == "Chatham")
        #expect(endpoint.latitude == 42.3478 && endpoint.longitude == -73.5549)
        #expect(endpoint.userType == "residential" && endpoint.connectionType == "Cable/DSL")
        #expect(endpoint.asNumber == 14671 && endpoint.asOrganization == "FairPoint Communications")
        #expect(endpoint.isp == "Fairpoint Communications")
        #expect(enrichments.map(\.type) == ["GeoIP2-Enterprise"])
    }

    @Test func specialPurposeAndUnknownAddressesAreLeftAlone() throws {
        let enricher = try GeoIPEnricher(paths: [try Self.database("GeoIP2-City-Test")])
        var records = ["10.0.0.1", "127.0.0.1", "198.51.100.1", "192.168.1.1", "fe80::1", "", "8.8.8.8"].map { record(src: $0) }
        enricher.enrich(&records)
        for record in records {
            #expect(record.src.asCountryCode.isEmpty && record.src.city.isEmpty && record.src.latitude == 0, "\(record.src.ip)")
            #expect(record.enrichments.isEmpty, "\(record.src.ip)")
        }
    }

    @Test func cachedResultsMatchAndAReloadRefreshesThem() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("geoip-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = "\(directory)/db.mmdb"
        try FileManager.default.copyItem(atPath: try Self.database("GeoIP2-City-Test"), toPath: path)
        let enricher = try GeoIPEnricher(paths: [path], cacheSize: 16)
        let first = enricher.lookup("81.2.69.160")
        let second = enricher.lookup("81.2.69.160")
        #expect(first.endpoint == second.endpoint && first.enrichments == second.enrichments && first.endpoint.city == "London")
        // geoipupdate style: write a new file, then rename it over the old one.
        try FileManager.default.copyItem(atPath: try Self.database("GeoIP2-Country-Test"), toPath: "\(path).tmp")
        #expect(rename("\(path).tmp", path) == 0)
        let outcomes = enricher.refresh()
        guard case .reloaded = try #require(outcomes.first).outcome else {
            Issue.record("expected a reload, got \(outcomes)")
            return
        }
        let after = enricher.lookup("81.2.69.160")
        #expect(after.endpoint.asCountryCode == "GB" && after.endpoint.city.isEmpty)
        #expect(after.enrichments.map(\.type) == ["GeoIP2-Country"])
    }

    @Test func missingOrCorruptDatabasesAreNamedInTheError() throws {
        do {
            _ = try GeoIPEnricher(paths: ["/nonexistent/City.mmdb"])
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("/nonexistent/City.mmdb"))
        }
        let broken = "\(Self.data)/GeoIP2-City-Test-Invalid-Node-Count.mmdb"
        do {
            _ = try GeoIPEnricher(paths: [broken])
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("GeoIP2-City-Test-Invalid-Node-Count.mmdb"))
        }
    }
}
