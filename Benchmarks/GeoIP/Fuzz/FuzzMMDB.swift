// libFuzzer harness for the GeoIP reader, built by scripts/fuzz-geoip.sh together with
// Sources/GeoIP (one module, `-sanitize=fuzzer,address`). Each input is treated as a whole .mmdb
// file: open it, look up a spread of addresses, read paths and field sets, decode records and verify.
// libFuzzer reports crashes, sanitizer errors, slow inputs (hangs) and excessive memory.

let paths: [MMDBPath] = [["country", "iso_code"], ["city", "names", "en"], ["location", "latitude"],
                         ["subdivisions", 0, "iso_code"], ["autonomous_system_number"], [0, 1], ["ip"]]
let fieldSet = MMDBFieldSet(paths)
let addresses = ["1.1.1.1", "0.0.0.1", "81.2.69.160", "2001:220::", "::1.1.1.0", "::ffff:1.2.3.4",
                 "255.255.255.255", "2001:db8::1", "::"].compactMap(IPAddressBytes.init)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    guard let reader = try? MMDBReader(bytes: bytes, name: "fuzz.mmdb") else { return 0 }
    let values = MMDBFieldValues(for: fieldSet)
    for address in addresses {
        guard let result = try? reader.lookup(address) else { continue }
        for path in paths {
            _ = try? reader.string(at: path, in: result)
            _ = try? reader.double(at: path, in: result)
            _ = try? reader.uint(at: path, in: result)
        }
        _ = try? reader.read(fieldSet, in: result, into: values)
        _ = try? reader.decode(in: result)?.jsonText
    }
    var results: [LookupResult] = []
    _ = try? reader.lookup(addresses, into: &results)
    _ = try? reader.verify()
    return 0
}
