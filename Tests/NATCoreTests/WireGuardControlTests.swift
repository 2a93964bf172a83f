import NATWire
import Testing

@testable import NATCore

/// The texts natctl reads from and writes to WireGuard (UAPI and `wg show dump`), and the
/// packets its WireGuard punch reads (ICMP errors, echo replies).
@Suite struct WireGuardControlTests {
    static let peerHex = "bc550e75170499564149c08d6662b81d82c8c41bc32713ff5d4bd1b028cb755b"
    static let peerBase64 = "vFUOdRcEmVZBScCNZmK4HYLIxBvDJxP/XUvRsCjLdVs="

    @Test func keysReadAsBase64OrHexAndPrintShort() throws {
        let fromHex = try #require(WireGuardKey(Self.peerHex))
        let fromBase64 = try #require(WireGuardKey(Self.peerBase64))
        #expect(fromHex == fromBase64)
        #expect(fromHex.description == Self.peerBase64)
        #expect(fromHex.hex == Self.peerHex)
        #expect(fromHex.short == "vFUOdRcE…")
        #expect(WireGuardKey(String(Self.peerHex.dropLast())) == nil)
        #expect(WireGuardKey(String(Self.peerHex.dropLast()) + "g") == nil)
        #expect(WireGuardKey("not a key") == nil)
        #expect(WireGuardKey("AAAA" + String(Self.peerBase64.dropFirst(4)).replacingOccurrences(of: "=", with: "!")) == nil)
    }

    @Test func uapiGetAnswerParses() throws {
        let text = """
            private_key=c89603fd4cc4cbbb0eef701463e6a5d23a2059a3675ee0b0fa088b1f215cae7f
            listen_port=51820
            public_key=\(Self.peerHex)
            preshared_key=0000000000000000000000000000000000000000000000000000000000000000
            protocol_version=1
            endpoint=[2001:db8::7]:51820
            last_handshake_time_sec=1796437877
            last_handshake_time_nsec=989764797
            tx_bytes=180
            rx_bytes=92
            persistent_keepalive_interval=25
            allowed_ip=10.9.0.2/32
            allowed_ip=fd00::2/128
            public_key=\(String(repeating: "ab", count: 32))
            preshared_key=\(String(repeating: "01", count: 32))
            last_handshake_time_sec=0
            last_handshake_time_nsec=0
            errno=0


            """
        let device = try WireGuardUAPI.parseGet(text)
        #expect(device.listenPort == 51820)
        // What `wg pubkey` printed for that private key.
        #expect(device.publicKey?.description == "lSdiN1ncfEs9eNzwi82zG9kddsO+Gf5CXdLvHQkuGB8=")
        #expect(device.peers.count == 2)
        let first = device.peers[0]
        #expect(first.publicKey.description == Self.peerBase64)
        #expect(first.presharedKey == nil)
        #expect(first.endpoint == TransportAddress("[2001:db8::7]:51820"))
        #expect(first.lastHandshakeNanoseconds == 1_796_437_877_989_764_797)
        #expect(first.txBytes == 180 && first.rxBytes == 92 && first.keepalive == 25)
        #expect(first.allowedIPs == ["10.9.0.2/32", "fd00::2/128"])
        #expect(device.peers[1].presharedKey != nil)
        #expect(device.peers[1].lastHandshakeNanoseconds == nil)
        #expect(device.peers[1].endpoint == nil)
    }

    @Test func uapiErrorsAndGarbageThrow() {
        #expect(throws: WireGuardError.refused(errno: -22)) { try WireGuardUAPI.parseGet("errno=-22\n\n") }
        #expect(throws: WireGuardError.self) { try WireGuardUAPI.parseGet("listen_port=1\n") }
        #expect(throws: WireGuardError.self) { try WireGuardUAPI.parseGet("garbage\nerrno=0\n\n") }
        #expect(throws: WireGuardError.self) { try WireGuardUAPI.parseGet("public_key=zz\nerrno=0\n\n") }
        #expect(throws: WireGuardError.refused(errno: -2)) { try WireGuardUAPI.parseSetAnswer("errno=-2\n\n") }
        #expect(throws: WireGuardError.self) { try WireGuardUAPI.parseSetAnswer("") }
        #expect(throws: Never.self) { try WireGuardUAPI.parseSetAnswer("errno=0\n\n") }
    }

    /// A re-created peer gets its whole configuration back, and the keepalive goes 0 then on
    /// (the last value wins, and turning it on is what sends an initiation at once).
    @Test func setRequestRecreatesThePeerWithItsConfiguration() throws {
        var peer = WireGuardPeer(publicKey: try #require(WireGuardKey(Self.peerBase64)))
        peer.presharedKey = WireGuardKey(String(repeating: "01", count: 32))
        peer.endpoint = TransportAddress("198.51.100.2:51820")
        peer.allowedIPs = ["10.9.0.2/32"]
        let text = WireGuardUAPI.setRequest([WireGuardPeerChange(peer: peer, recreate: true, triggerKeepalive: 25)])
        #expect(text == """
            set=1
            public_key=\(Self.peerHex)
            remove=true
            public_key=\(Self.peerHex)
            preshared_key=\(String(repeating: "01", count: 32))
            endpoint=198.51.100.2:51820
            persistent_keepalive_interval=0
            persistent_keepalive_interval=25
            replace_allowed_ips=true
            allowed_ip=10.9.0.2/32


            """)
        let plain = WireGuardUAPI.setRequest([WireGuardPeerChange(peer: peer, recreate: false)])
        #expect(!plain.contains("remove=true"))
        #expect(plain.contains("persistent_keepalive_interval=0\nreplace_allowed_ips"))
    }

    @Test func wgDumpParses() throws {
        let text = """
            yJYD/UzEy7sO73AUY+al0jogWaNnXuCw+giLHyFcrn8=\tlSdiN1ncfEs9eNzwi82zG9kddsO+Gf5CXdLvHQkuGB8=\t51820\toff
            \(Self.peerBase64)\t(none)\t192.0.2.2:51820\t10.9.0.2/32,10.9.1.0/24\t1796438176\t92\t180\t25
            \(Self.peerBase64.replacingOccurrences(of: "v", with: "w"))\t(none)\t(none)\t(none)\t0\t0\t0\toff

            """
        let device = try WireGuardTool.parseDump(text)
        #expect(device.listenPort == 51820)
        #expect(device.peers.count == 2)
        #expect(device.peers[0].endpoint == TransportAddress("192.0.2.2:51820"))
        #expect(device.peers[0].allowedIPs == ["10.9.0.2/32", "10.9.1.0/24"])
        #expect(device.peers[0].lastHandshakeNanoseconds == 1_796_438_176_000_000_000)
        #expect(device.peers[0].keepalive == 25 && device.peers[0].rxBytes == 92 && device.peers[0].txBytes == 180)
        #expect(device.peers[1].endpoint == nil && device.peers[1].allowedIPs.isEmpty && device.peers[1].keepalive == 0)
        #expect(throws: WireGuardError.self) { try WireGuardTool.parseDump("") }
        #expect(throws: WireGuardError.self) { try WireGuardTool.parseDump("a\tb\t1\toff\nshort\tline\n") }
    }

    /// An IPv4 port unreachable quoting a datagram from 51820 to 198.51.100.9:4000.
    @Test func icmpErrorsNameTheDestinationOfOurDatagram() throws {
        var packet = [UInt8](repeating: 0, count: 20 + 8 + 20 + 8)
        packet[0] = 0x45
        packet[20] = 3  // destination unreachable
        packet[21] = 3  // port
        packet[28] = 0x45
        packet[28 + 9] = 17
        packet.replaceSubrange((28 + 16)..<(28 + 20), with: [198, 51, 100, 9])
        packet.replaceSubrange(48..<52, with: [0xca, 0x6c, 0x0f, 0xa0])  // 51820 -> 4000
        let (destination, reason) = try #require(ICMPErrorWatcher.parseIPv4(packet, port: 51820))
        #expect(destination == TransportAddress("198.51.100.9:4000"))
        #expect(reason == "port unreachable")
        #expect(ICMPErrorWatcher.parseIPv4(packet, port: 51821) == nil)
        for length in 0..<packet.count { _ = ICMPErrorWatcher.parseIPv4(Array(packet.prefix(length)), port: 51820) }
        var v6 = [UInt8](repeating: 0, count: 8 + 40 + 8)
        v6[0] = 1
        v6[1] = 4
        v6[8 + 6] = 17
        v6.replaceSubrange(32..<48, with: [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [7])
        v6.replaceSubrange(48..<52, with: [0xca, 0x6c, 0x0f, 0xa0])
        let (destination6, reason6) = try #require(ICMPErrorWatcher.parseIPv6(v6, port: 51820))
        #expect(destination6 == TransportAddress("[2001:db8::7]:4000"))
        #expect(reason6 == "port unreachable")
        for length in 0..<v6.count { _ = ICMPErrorWatcher.parseIPv6(Array(v6.prefix(length)), port: 51820) }
    }

    @Test func echoRequestsCarryAValidChecksumAndRepliesMatchTheirIdentifier() throws {
        let request = TunnelProbe.echoRequest(identifier: 0x1234, sequence: 2, v6: false)
        #expect(TunnelProbe.internetChecksum(request) == 0)
        var reply = [UInt8](repeating: 0, count: 20) + request
        reply[0] = 0x45
        reply[20] = 0
        #expect(TunnelProbe.echoReply(reply, identifier: 0x1234, v6: false) == 2)
        #expect(TunnelProbe.echoReply(reply, identifier: 0x1235, v6: false) == nil)
        #expect(TunnelProbe.echoReply([0x45], identifier: 0x1234, v6: false) == nil)
    }
}

extension WireGuardControlTests {
    /// A handshake time past what Int64 nanoseconds hold is an error, not a trap (FuzzParsers' find).
    @Test func handshakeTimesOutOfRangeAreErrors() throws {
        let dump = "k\tk\t51820\toff\n\(Self.peerBase64)\t(none)\t(none)\t(none)\t99999999999999999\t0\t0\toff\n"
        #expect(throws: WireGuardError.self) { try WireGuardTool.parseDump(dump) }
        let get = "public_key=\(Self.peerHex)\nlast_handshake_time_sec=9223372036854775807\nerrno=0\n\n"
        #expect(throws: WireGuardError.self) { try WireGuardUAPI.parseGet(get) }
        let badNanoseconds = "public_key=\(Self.peerHex)\nlast_handshake_time_sec=5\nlast_handshake_time_nsec=-9223372036854775807\nerrno=0\n\n"
        #expect(try WireGuardUAPI.parseGet(badNanoseconds).peers.first?.lastHandshakeNanoseconds == 5_000_000_000)
    }
}

extension WireGuardControlTests {
    /// The largest seconds that fit, plus nanoseconds that would not: an error, not a trap; and
    /// a repeated nanoseconds line adds to the seconds, not to the sum (a review find).
    @Test func handshakeNanosecondsCannotOverflow() throws {
        let over = "public_key=\(Self.peerHex)\nlast_handshake_time_sec=9223372036\nlast_handshake_time_nsec=999999999\nerrno=0\n\n"
        #expect(throws: WireGuardError.self) { try WireGuardUAPI.parseGet(over) }
        let twice = "public_key=\(Self.peerHex)\nlast_handshake_time_sec=5\nlast_handshake_time_nsec=7\nlast_handshake_time_nsec=9\nerrno=0\n\n"
        #expect(try WireGuardUAPI.parseGet(twice).peers.first?.lastHandshakeNanoseconds == 5_000_000_009)
        #expect(throws: WireGuardError.self) { try WireGuardUAPI.parseGet("errno=+0\n\n") }
        #expect(throws: WireGuardError.self) { try WireGuardUAPI.parseSetAnswer("errno=0x0\n\n") }
    }
}
