import Testing
@testable import RelayCore

@Suite struct IPAddressTests {
    @Test(arguments: [
        ("198.51.100.1", "198.51.100.1"),
        (" 8.8.8.8 ", "8.8.8.8"),
        ("8.8.8.8:443", "8.8.8.8"),
        ("[2001:db8::1]:8443", "2001:db8::1"),
        ("[2001:DB8:0:0::1]", "2001:db8::1"),
        ("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
        ("::ffff:1.2.3.4", "1.2.3.4"),
        ("fe80::1%eth0", "fe80::1"),
    ])
    func parsesAndCanonicalizes(input: String, expected: String) throws {
        #expect(try #require(IPAddress(parsing: input)).description == expected)
    }

    @Test(arguments: ["Salesforce.com IP", "211.150.189.540", "2001db8fffffffffffffffffffffffa", "", "1.2.3", "1.2.3.4:", "1.2.3.4:x", "[::1", "localhost", "01.02.03.04x"])
    func rejectsGarbage(input: String) {
        #expect(IPAddress(parsing: input) == nil)
    }

    @Test func specialPurposeRanges() throws {
        for text in ["10.1.2.3", "127.0.0.1", "172.16.0.1", "192.168.1.1", "169.254.1.1", "100.64.0.1", "198.51.100.7", "203.0.113.9", "192.0.2.1", "224.0.0.1", "0.0.0.0", "::1", "::", "fe80::1", "fd00::1", "2001:db8::5", "ff02::1"] {
            #expect(try #require(IPAddress(parsing: text)).isSpecialPurpose, "\(text)")
        }
        for text in ["8.8.8.8", "81.2.69.160", "2a02:cf40::1", "100.128.0.1", "172.32.0.1"] {
            #expect(try #require(IPAddress(parsing: text)).isSpecialPurpose == false, "\(text)")
        }
    }
}
