import NATWire
import Testing

/// Inputs the libFuzzer harnesses (Sources/Fuzz*, scripts/fuzz.sh) or the hardening review found
/// trapping, kept so the fixes stay fixed.
@Suite struct WireFuzzRegressionTests {
    /// `relay serve --denied-peer-ip ''` trapped: splitting "" or "/" on "/" gave no parts and
    /// the parser indexed the first one.
    @Test func emptyPrefixesAreRefusedNotTrapped() {
        for text in ["", "/", "//", "/8", "10.0.0.0/", "10.0.0.0//8", "10.0.0.0/+8", "10.0.0.0/ 8", "::/"] {
            #expect(IPPrefix(text) == nil, "'\(text)'")
        }
        // Through String values: a literal would pick the trapping ExpressibleByStringLiteral init.
        let (v4, v6, ula) = ("10.0.0.0/8", "2001:db8::1", "fc00::/7")
        #expect(IPPrefix(v4) == IPPrefix(IPAddress("10.0.0.0")!, length: 8))
        #expect(IPPrefix(v6) == IPPrefix(IPAddress("2001:db8::1")!, length: 128))
        #expect(IPPrefix(ula)?.contains(IPAddress("fd00::1")!) == true)
    }

    /// FuzzParsers: `--server '[]:3478'` was accepted as a server with an empty host name.
    @Test func emptyBracketedHostIsRefused() {
        #expect(TransportAddress.splitHostPort("[]:3478") == nil)
        #expect(TransportAddress.splitHostPort(":3478") == nil)
        #expect(TransportAddress.splitHostPort("[::1]:3478")?.host == "::1")
        #expect(TransportAddress.splitHostPort("example.org:3478")?.port == 3478)
    }
}
