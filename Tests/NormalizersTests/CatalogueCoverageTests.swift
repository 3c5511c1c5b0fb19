import Normalizers
import RelayCore
import Testing
@testable import Vendors

/// Every vendor catalogue: each decided name classifies as recorded through the vendor's rules,
/// every decision is a known behavior id, and the coverage figures the README quotes hold.
@Suite struct CatalogueCoverageTests {
    @Test func everyDecidedNameClassifiesAsRecorded() {
        for (catalogue, rules) in VendorCatalog.catalogues {
            var wrong: [String] = []
            for name in catalogue.names {
                guard let decision = catalogue.decisions[name.lowercased()], let behavior = decision else { continue }
                let got = rules.classify(name)
                if got != behavior { wrong.append("\(name): recorded \(behavior.rawValue.isEmpty ? "-" : behavior.rawValue), classified \(got.rawValue.isEmpty ? "-" : got.rawValue)") }
            }
            #expect(wrong.isEmpty, "\(catalogue.vendor) (\(catalogue.source)): \(wrong.prefix(20))")
        }
    }

    @Test func catalogueRowsAreWellFormed() {
        for (catalogue, _) in VendorCatalog.catalogues {
            #expect(!catalogue.names.isEmpty, "\(catalogue.vendor)")
            #expect(catalogue.source.hasPrefix("https://"), "\(catalogue.vendor): the catalogue names where it was taken from")
            #expect(Set(catalogue.names.map { $0.lowercased() }).count == catalogue.names.count, "\(catalogue.vendor): a name is listed twice")
            #expect(catalogue.invalidRows.isEmpty, "\(catalogue.vendor): decisions that are not a behavior id, - or ?: \(catalogue.invalidRows.prefix(10))")
        }
    }

    /// The README's coverage table (`scripts/behavior-coverage.sh` prints it): per vendor, names in
    /// its published catalogues, names decided (a behavior or an explicit none), names with a behavior.
    @Test func atLeast95PercentOfEveryCatalogueIsDecided() {
        var byVendor: [String: (catalogued: Int, decided: Int, withBehavior: Int, sources: [String])] = [:]
        for (catalogue, _) in VendorCatalog.catalogues {
            let coverage = catalogue.coverage
            var entry = byVendor[catalogue.vendor] ?? (0, 0, 0, [])
            entry.catalogued += coverage.catalogued
            entry.decided += coverage.decided
            entry.withBehavior += coverage.withBehavior
            entry.sources.append(catalogue.source)
            byVendor[catalogue.vendor] = entry
        }
        print("| vendor | catalogued names | decided | with a behavior | source |")
        print("|---|---|---|---|---|")
        for (vendor, entry) in byVendor.sorted(by: { $0.key < $1.key }) {
            let percent = Double(entry.decided) / Double(max(entry.catalogued, 1)) * 100
            print("| \(vendor) | \(entry.catalogued) | \(entry.decided) (\(String(format: "%.0f", percent)) %) | \(entry.withBehavior) | \(entry.sources.joined(separator: " ")) |")
            #expect(percent >= 95, "\(vendor): \(entry.decided) of \(entry.catalogued) catalogued names decided")
        }
    }
}
