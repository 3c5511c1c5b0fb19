import Foundation
import GeoIP
import Testing

/// Every network in MaxMind's source JSON decodes, from the database built from it, to the same
/// values: first and last address of each network, through the IPv6 tree and (for IPv4 networks)
/// through the IPv4 subtree.
@Suite struct ConformanceTests {
    /// Databases and the source file they were written from (the Shield variants share a source).
    static let databases: [(database: String, source: String)] = [
        ("GeoIP-Anonymous-Plus-Test.mmdb", "GeoIP-Anonymous-Plus-Test.json"),
        ("GeoIP-Residential-Proxy-Test.mmdb", "GeoIP-Residential-Proxy-Test.json"),
        ("GeoIP2-Anonymous-IP-Test.mmdb", "GeoIP2-Anonymous-IP-Test.json"),
        ("GeoIP2-City-Test.mmdb", "GeoIP2-City-Test.json"),
        ("GeoIP2-City-Shield-Test.mmdb", "GeoIP2-City-Test.json"),
        ("GeoIP2-Connection-Type-Test.mmdb", "GeoIP2-Connection-Type-Test.json"),
        ("GeoIP2-Country-Test.mmdb", "GeoIP2-Country-Test.json"),
        ("GeoIP2-Country-Shield-Test.mmdb", "GeoIP2-Country-Test.json"),
        ("GeoIP2-DensityIncome-Test.mmdb", "GeoIP2-DensityIncome-Test.json"),
        ("GeoIP2-Domain-Test.mmdb", "GeoIP2-Domain-Test.json"),
        ("GeoIP2-Enterprise-Test.mmdb", "GeoIP2-Enterprise-Test.json"),
        ("GeoIP2-Enterprise-Shield-Test.mmdb", "GeoIP2-Enterprise-Test.json"),
        ("GeoIP2-IP-Risk-Test.mmdb", "GeoIP2-IP-Risk-Test.json"),
        ("GeoIP2-ISP-Test.mmdb", "GeoIP2-ISP-Test.json"),
        ("GeoIP2-Precision-Enterprise-Test.mmdb", "GeoIP2-Precision-Enterprise-Test.json"),
        ("GeoIP2-Precision-Enterprise-Shield-Test.mmdb", "GeoIP2-Precision-Enterprise-Test.json"),
        ("GeoIP2-Static-IP-Score-Test.mmdb", "GeoIP2-Static-IP-Score-Test.json"),
        ("GeoIP2-User-Count-Test.mmdb", "GeoIP2-User-Count-Test.json"),
        ("GeoLite2-ASN-Test.mmdb", "GeoLite2-ASN-Test.json"),
        ("GeoLite2-City-Test.mmdb", "GeoLite2-City-Test.json"),
        ("GeoLite2-Country-Test.mmdb", "GeoLite2-Country-Test.json"),
    ]

    @Test(arguments: databases.map(\.database))
    func everySourceNetworkDecodesToItsJSON(database: String) throws {
        let source = try #require(Self.databases.first { $0.database == database }?.source)
        let reader = try TestData.open(database)
        let data = try Data(contentsOf: URL(fileURLWithPath: TestData.directory() + "/source-data/" + source))
        let entries = try JSONDecoder().decode([[String: JSONValue]].self, from: data).flatMap { entry in
            try entry.map { network, value in try SourceNetwork(network, value) }
        }
        #expect(entries.count > 1)
        var checked = 0
        for entry in entries {
            for address in [entry.first, entry.last] {
                // Later entries replace earlier ones where they overlap (the writer's insert order).
                guard let owner = entries.last(where: { $0.contains(address) }) else { continue }
                let result = try reader.lookup(IPAddressBytes(ipv6High: address.high, low: address.low))
                let value = try reader.decode(in: result)
                #expect(value.map { JSONValue.matches($0, owner.value) } == true,
                        "\(database): \(entry.network) at \(address.text) should be \(owner.network)")
                if owner.isIPv4 {
                    // The IPv4 subtree gives the same record.
                    let viaIPv4 = try reader.lookup(IPAddressBytes(ipv4: UInt32(truncatingIfNeeded: address.low)))
                    #expect(viaIPv4.dataOffset == result.dataOffset)
                    #expect(viaIPv4.prefixLength == result.prefixLength - 96)
                }
                checked += 1
            }
        }
        #expect(checked >= entries.count)
    }
}

/// One network from a source JSON file, as 128-bit numbers (IPv4 networks map to ::/96).
struct SourceNetwork {
    struct Address {
        var high: UInt64
        var low: UInt64
        var text: String { IPAddressBytes(ipv6High: high, low: low).description }
    }

    let network: String
    let value: JSONValue
    let first: Address
    let last: Address
    let isIPv4: Bool

    struct Invalid: Error { let network: String }

    init(_ network: String, _ value: JSONValue) throws {
        self.network = network
        self.value = value
        let parts = network.split(separator: "/")
        guard parts.count == 2, var prefix = Int(parts[1]), let address = IPAddressBytes(String(parts[0])) else {
            throw Invalid(network: network)
        }
        var high = address.high
        var low = address.low
        if address.isIPv4 {
            prefix += 96
        }
        isIPv4 = address.isIPv4 || (high == 0 && low >> 32 == 0 && prefix >= 96)
        // Host bits below the prefix: clear for the first address, set for the last.
        let highMask: UInt64 = prefix >= 64 ? .max : (prefix == 0 ? 0 : .max << (64 - prefix))
        let lowMask: UInt64 = prefix <= 64 ? 0 : (prefix == 128 ? .max : .max << (128 - prefix))
        high &= highMask
        low &= lowMask
        first = Address(high: high, low: low)
        last = Address(high: high | ~highMask, low: low | ~lowMask)
    }

    func contains(_ address: Address) -> Bool {
        (first.high, first.low) <= (address.high, address.low) && (address.high, address.low) <= (last.high, last.low)
    }
}

/// A JSON value decoded without Foundation's type guessing, for exact comparisons.
indirect enum JSONValue: Decodable {
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])
    case null

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    static func matches(_ value: MMDBValue, _ json: JSONValue) -> Bool {
        switch (value, json) {
        case let (.string(left), .string(right)): return left == right
        case let (.boolean(left), .bool(right)): return left == right
        case let (.array(left), .array(right)):
            return left.count == right.count && zip(left, right).allSatisfy { matches($0, $1) }
        case let (.map(left), .object(right)):
            return left.count == right.count && right.allSatisfy { key, json in
                left[key].map { matches($0, json) } ?? false
            }
        case let (.double(left), .number(right)): return left == right
        case let (.float(left), .number(right)): return left == Float(right)
        case let (_, .number(right)):
            guard let unsigned = value.unsignedValue else {
                if case let .int32(signed) = value { return Double(signed) == right }
                return false
            }
            return Double(unsigned) == right
        default: return false
        }
    }
}
