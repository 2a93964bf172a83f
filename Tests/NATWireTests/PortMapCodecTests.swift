import NATWire
import Testing

/// NAT-PMP (RFC 6886) and PCP (RFC 6887) codecs, against exchanges recorded from miniupnpd
/// 2.3.1 in the lab (host 10.0.1.2, gateway 10.0.1.1, external address 203.0.113.11).
@Suite struct PortMapCodecTests {
    static let host = IPAddress("10.0.1.2")!
    static let external = IPAddress("203.0.113.11")!
    static let nonce = hex("a1b280c3297b4f9467db57e3")

    // MARK: NAT-PMP

    @Test func natpmpRequestsMatchTheRecordedOnes() {
        #expect(NATPMPMessage.externalAddressRequest() == hex("0000"))
        // RFC 6886 §3.3: version, opcode 1 (UDP), reserved, internal port, suggested port, lifetime.
        #expect(NATPMPMessage.mapRequest(transport: .udp, internalPort: 4701, suggestedExternalPort: 0, lifetimeSeconds: 120) == hex("0001 0000 125d 0000 00000078"))
        #expect(NATPMPMessage.mapRequest(transport: .tcp, internalPort: 80, suggestedExternalPort: 8080, lifetimeSeconds: 0) == hex("0002 0000 0050 1f90 00000000"))
    }

    @Test func natpmpRecordedAnswersDecode() throws {
        #expect(try NATPMPMessage.decode(hex("0080 0000 00000002 cb00710b")) == .externalAddress(result: .success, epoch: 2, address: Self.external))
        #expect(
            try NATPMPMessage.decode(hex("0081 0000 00000002 125d 125d 00000078"))
                == .mapping(result: .success, epoch: 2, transport: .udp, internalPort: 4701, externalPort: 4701, lifetimeSeconds: 120))
    }

    @Test func natpmpErrorAnswersMayStopAfterTheHeader() throws {
        // miniupnpd on a private WAN: result 3, NETWORK_FAILURE.
        let refused = try NATPMPMessage.decode(hex("0080 0003 00000009"))
        #expect(refused == .externalAddress(result: NATPMPResult(code: 3), epoch: 9, address: nil))
        #expect(refused.result.name == "NETWORK_FAILURE")
        #expect(try NATPMPMessage.decode(hex("0082 0002 00000001")).result.description == "2 NOT_AUTHORIZED")
        // A full-length error answer's address field is ignored (§3.2: undefined on error).
        #expect(try NATPMPMessage.decode(hex("0080 0003 00000009 cb00710b")) == .externalAddress(result: NATPMPResult(code: 3), epoch: 9, address: nil))
    }

    @Test func natpmpMalformedAnswersAreErrors() {
        #expect(throws: PortMapDecodeError.tooShort(needed: 8, got: 2)) { try NATPMPMessage.decode(hex("0080")) }
        #expect(throws: PortMapDecodeError.unknownVersion(2)) { try NATPMPMessage.decode(hex("0280 0000 00000000")) }
        #expect(throws: PortMapDecodeError.notAResponse(opcode: 1)) { try NATPMPMessage.decode(hex("0001 0000 125d 0000 00000078")) }
        #expect(throws: PortMapDecodeError.unknownOpcode(131)) { try NATPMPMessage.decode(hex("0083 0000 00000000 0000 0000")) }
        #expect(throws: PortMapDecodeError.tooShort(needed: 12, got: 10)) { try NATPMPMessage.decode(hex("0080 0000 00000002 cb00")) }
        #expect(throws: PortMapDecodeError.tooShort(needed: 16, got: 12)) { try NATPMPMessage.decode(hex("0081 0000 00000002 125d 125d")) }
    }

    // MARK: PCP

    @Test func pcpMapRequestMatchesTheRecordedOne() {
        let request = PCPRequest.map(
            client: Self.host, nonce: Self.nonce, transport: .udp, internalPort: 4700, suggestedExternalPort: 0, lifetimeSeconds: 120)
        // RFC 6887 §7.1 header (24 bytes) and §11.1 MAP payload (36): IPv4 as ::ffff:a.b.c.d,
        // "any IPv4" suggested as ::ffff:0.0.0.0.
        #expect(hexString(request) == hexString(hex("""
            0201 0000 00000078 00000000 00000000 0000ffff 0a000102
            a1b280c3 297b4f94 67db57e3 11000000 125c 0000
            00000000 00000000 0000ffff 00000000
            """)))
    }

    @Test func pcpAnnounceIsAHeaderWithLifetimeZero() {
        #expect(PCPRequest.announce(client: Self.host) == hex("0200 0000 00000000 00000000 00000000 0000ffff 0a000102"))
    }

    @Test func pcpRecordedMapAnswerDecodes() throws {
        let answer = try PCPResponse.decode(hex("""
            0281 0000 00000078 00000002 00000000 00000000 00000000
            a1b280c3 297b4f94 67db57e3 11000000 125c 125c
            00000000 00000000 0000ffff cb00710b
            """))
        #expect(answer.opcode == .map)
        #expect(answer.result == .success)
        #expect(answer.lifetimeSeconds == 120)
        #expect(answer.epoch == 2)
        let map = try #require(answer.map)
        #expect(map.nonce == Self.nonce)
        #expect(map.protocolNumber == 17)
        #expect(map.internalPort == 4700)
        #expect(map.externalPort == 4700)
        #expect(map.externalAddress == Self.external)
    }

    @Test func pcpOptionsAreSkippedWhenWellFormed() throws {
        let header = "0280 0000 00000000 00000007 00000000 00000000 00000000"
        // ANNOUNCE answer with a 5-byte option padded to 8 (§7.3).
        let answer = try PCPResponse.decode(hex(header + " 80000005 0102030405000000"))
        #expect(answer.opcode == .announce && answer.epoch == 7 && answer.map == nil)
        #expect(throws: PortMapDecodeError.self) { try PCPResponse.decode(hex(header + " 80000010 01020304")) }
        #expect(throws: PortMapDecodeError.self) { try PCPResponse.decode(hex(header + " 8000")) }
    }

    @Test func pcpErrorsByName() throws {
        // miniupnpd on a private WAN refuses with NO_RESOURCES; an error answer may be cut after the header.
        let refused = try PCPResponse.decode(hex("0281 0008 0000001e 00000002 00000000 00000000 00000000"))
        #expect(refused.result.description == "8 NO_RESOURCES")
        #expect(refused.result.isTransient)
        #expect(PCPResult(code: 12).name == "ADDRESS_MISMATCH")
        #expect(PCPResult(code: 200).name == "RESULT_200")
    }

    @Test func pcpMalformedAnswersAreErrors() {
        #expect(throws: PortMapDecodeError.tooShort(needed: 4, got: 2)) { try PCPResponse.decode(hex("0281")) }
        #expect(throws: PortMapDecodeError.unknownVersion(1)) { try PCPResponse.decode(hex("0181 0000")) }
        #expect(throws: PortMapDecodeError.notAResponse(opcode: 1)) { try PCPResponse.decode(hex("0201 0000 00000078")) }
        #expect(throws: PortMapDecodeError.tooShort(needed: 24, got: 8)) { try PCPResponse.decode(hex("0281 0000 00000078")) }
        #expect(throws: PortMapDecodeError.unknownOpcode(9)) { try PCPResponse.decode(hex("0289 0000 00000078 00000002 00000000 00000000 00000000")) }
        // A success MAP answer must carry its payload.
        #expect(throws: PortMapDecodeError.tooShort(needed: 60, got: 24)) { try PCPResponse.decode(hex("0281 0000 00000078 00000002 00000000 00000000 00000000")) }
    }

    // MARK: Shared types

    @Test func publicAddressesAreToldFromUselessOnes() {
        for text in ["203.0.113.11", "198.51.100.1", "8.8.8.8", "2001:db8::1"] { #expect(IPAddress(text)!.isPubliclyRoutable, "\(text)") }
        for text in ["10.1.2.3", "100.64.2.2", "172.16.0.1", "192.168.1.1", "127.0.0.1", "169.254.1.1", "0.0.0.0", "fd00::1", "fe80::1"] {
            #expect(!IPAddress(text)!.isPubliclyRoutable, "\(text)")
        }
        #expect(IPAddress("100.127.255.255")!.isCarrierShared)
        #expect(!IPAddress("100.128.0.0")!.isCarrierShared)
    }

    @Test func nonceHexRoundTrips() {
        #expect(PortMapping.nonce(hex: "a1b280c3297b4f9467db57e3") == Self.nonce)
        #expect(PortMapping.nonce(hex: "a1b2") == nil)
        #expect(PortMapping.nonce(hex: "zzb280c3297b4f9467db57e3") == nil)
    }
}
