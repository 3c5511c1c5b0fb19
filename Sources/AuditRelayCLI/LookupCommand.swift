import ArgumentParser
import Enrichment
import GeoIP
import Relay
import RelayCore

struct LookupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lookup",
        abstract: "Print the GeoIP/ASN enrichment of IP addresses as JSON.",
        discussion: "Uses the databases of a config (--config) or the given files (--mmdb, repeatable). Prints one JSON object per address: the columns a record would get (countryCode, city, latitude, …) and the enrichments entries. With --raw, also each database's full record."
    )

    @Argument(help: "IPv4 or IPv6 addresses.")
    var addresses: [String]

    @Option(name: .long, help: "Take geoip.databases from this config file.")
    var config: String?

    @Option(name: .long, help: "A .mmdb file (repeatable).")
    var mmdb: [String] = []

    @Flag(name: .long, help: "Also print each database's whole record for the address.")
    var raw = false

    func validate() throws {
        guard (config == nil) != mmdb.isEmpty else { throw ValidationError("give either --config FILE or --mmdb FILE...") }
    }

    func run() throws {
        let paths = try config.map { try ConfigFile.load($0).geoIPDatabases } ?? mmdb
        guard !paths.isEmpty else {
            Terminal.error("no GeoIP databases configured (geoip.databases)")
            throw ExitCode(2)
        }
        let enricher: GeoIPEnricher
        do {
            enricher = try GeoIPEnricher(paths: paths, cacheSize: 0)
        } catch {
            Terminal.error("\(error)")
            throw ExitCode(1)
        }
        var failed = false
        for text in addresses {
            guard let address = IPAddress(parsing: text) else {
                Terminal.error("\(text): not an IP address")
                failed = true
                continue
            }
            let (endpoint, enrichments) = enricher.lookup(address.description)
            var writer = JSONWriter()
            writer.raw("{"); writer.key("ip"); writer.string(endpoint.ip)
            writer.raw(","); writer.key("specialPurpose"); writer.bool(address.isSpecialPurpose)
            writer.raw(","); writer.key("countryCode"); writer.string(endpoint.asCountryCode)
            writer.raw(","); writer.key("city"); writer.string(endpoint.city)
            writer.raw(","); writer.key("latitude"); writer.double(endpoint.latitude)
            writer.raw(","); writer.key("longitude"); writer.double(endpoint.longitude)
            writer.raw(","); writer.key("asNumber"); writer.integer(endpoint.asNumber)
            writer.raw(","); writer.key("asOrganization"); writer.string(endpoint.asOrganization)
            writer.raw(","); writer.key("isp"); writer.string(endpoint.isp)
            writer.raw(","); writer.key("connectionType"); writer.string(endpoint.connectionType)
            writer.raw(","); writer.key("userType"); writer.string(endpoint.userType)
            writer.raw(","); writer.key("enrichments"); writer.raw("[")
            for (index, enrichment) in enrichments.enumerated() {
                if index > 0 { writer.raw(",") }
                writer.raw("{"); writer.key("provider"); writer.string(enrichment.provider)
                writer.raw(","); writer.key("type"); writer.string(enrichment.type)
                writer.raw(","); writer.key("data"); writer.raw("{")
                for (position, pair) in enrichment.data.pairs.enumerated() {
                    if position > 0 { writer.raw(",") }
                    writer.string(pair.key); writer.raw(":"); writer.string(pair.value)
                }
                writer.raw("}}")
            }
            writer.raw("]")
            if raw, let bytes = IPAddressBytes(bytes: address.bytes) {
                writer.raw(","); writer.key("records"); writer.raw("{")
                for (index, database) in enricher.databases.enumerated() {
                    if index > 0 { writer.raw(",") }
                    writer.string(database.path); writer.raw(":")
                    let reader = database.reader
                    if let result = try? reader.lookup(bytes), let value = try? reader.decode(in: result) {
                        writer.bytes.append(contentsOf: value.jsonText.utf8)
                    } else {
                        writer.raw("null")
                    }
                }
                writer.raw("}")
            }
            writer.raw("}")
            print(String(decoding: writer.bytes, as: UTF8.self))
        }
        if failed { throw ExitCode(1) }
    }
}
