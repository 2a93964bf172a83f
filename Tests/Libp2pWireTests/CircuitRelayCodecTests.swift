import Libp2pWire
import Testing

/// Circuit relay v2 and AutoNAT v1 messages, the reservation voucher's signed envelope and the
/// identity file's key encoding: round trips, the wire bytes the spec fixes, and malformed input as errors.
@Suite struct CircuitRelayCodecTests {
    let relay = Libp2pIdentity()
    let peer = Libp2pIdentity()

    @Test func hopMessagesRoundTripWithTheSpecsFieldNumbers() throws {
        let address = try Multiaddr(parsing: "/ip4/198.51.100.1/tcp/4001/p2p/\(relay.peerID)")
        let answer = HopMessage(
            .status, reservation: CircuitRelay.Reservation(expire: 1_800_000_000, addrs: [address.bytes], voucher: [1, 2, 3]),
            limit: CircuitRelay.Limit(duration: 120, data: 131_072), status: .ok)
        #expect(try HopMessage(encoded: answer.encoded) == answer)
        // type STATUS (field 1 = 2) first, status OK (field 5 = 100) last.
        #expect(Array(answer.encoded.prefix(2)) == [0x08, 0x02] && Array(answer.encoded.suffix(2)) == [0x28, 0x64])
        let connect = HopMessage(.connect, peer: CircuitRelay.Peer(id: peer.peerID))
        #expect(try HopMessage(encoded: connect.encoded).peer?.id == peer.peerID)
        #expect(try HopMessage(encoded: HopMessage(.reserve).encoded).kind == .reserve)
        let stop = StopMessage(.connect, peer: CircuitRelay.Peer(id: peer.peerID), limit: CircuitRelay.Limit(duration: 120, data: nil))
        #expect(try StopMessage(encoded: stop.encoded) == stop)
    }

    @Test func malformedRelayMessagesAreErrors() {
        #expect(throws: Libp2pDecodeError.self, "no type") { try HopMessage(encoded: []) }
        #expect(throws: Libp2pDecodeError.self, "unknown type") { try HopMessage(encoded: [0x08, 0x09]) }
        #expect(throws: Libp2pDecodeError.self, "a peer without an id") { try HopMessage(encoded: [0x08, 0x01, 0x12, 0x00]) }
        #expect(throws: Libp2pDecodeError.self, "truncated") { try StopMessage(encoded: [0x08, 0x00, 0x12, 0x05, 0x0A]) }
        #expect(throws: Libp2pDecodeError.self, "a reservation without expire") { try HopMessage(encoded: [0x08, 0x02, 0x1A, 0x00]) }
    }

    @Test func vouchersAreSignedEnvelopesTheRelaysKeyVerifies() throws {
        let voucher = ReservationVoucher(relay: relay.peerID, peer: peer.peerID, expiration: 1_800_000_000)
        let envelope = try SignedEnvelope(encoded: try voucher.sealed(by: relay))
        #expect(envelope.publicKey == relay.publicKey && envelope.payloadType == [0x03, 0x02])
        #expect(try ReservationVoucher(payload: envelope.payload) == voucher)
        #expect(envelope.verifies(domain: ReservationVoucher.domain) == true)
        #expect(envelope.verifies(domain: "libp2p-peer-record") == false, "the domain is part of what is signed")
        var forged = envelope
        forged.payload = ReservationVoucher(relay: relay.peerID, peer: peer.peerID, expiration: 1_900_000_000).payload
        #expect(forged.verifies(domain: ReservationVoucher.domain) == false)
        #expect(throws: Libp2pDecodeError.self) { try SignedEnvelope(encoded: Array(envelope.encoded.dropLast())) }
    }

    @Test func identitiesSurviveTheirMarshalledForm() throws {
        let restored = try Libp2pIdentity(marshalled: relay.marshalled)
        #expect(restored.peerID == relay.peerID)
        // Type Ed25519 (field 1 = 1), then 64 bytes of data: the seed and the public key.
        #expect(Array(relay.marshalled.prefix(4)) == [0x08, 0x01, 0x12, 0x40] && relay.marshalled.count == 68)
        var mismatched = relay.marshalled
        mismatched[mismatched.count - 1] ^= 1
        #expect(throws: Libp2pDecodeError.self, "public half does not match") { try Libp2pIdentity(marshalled: mismatched) }
        #expect(throws: Libp2pDecodeError.self, "an RSA key") { try Libp2pIdentity(marshalled: [0x08, 0x00, 0x12, 0x01, 0x00]) }
    }

    @Test func autonatMessagesRoundTripAndMalformedOnesAreErrors() throws {
        let address = try Multiaddr(parsing: "/ip4/198.51.100.7/tcp/4100")
        let dial = AutoNATMessage.dial(peer.peerID, addrs: [address.bytes])
        #expect(try AutoNATMessage(encoded: dial.encoded) == dial)
        // type DIAL (field 1 = 0), then dial { peer { id, addrs } }.
        #expect(Array(dial.encoded.prefix(3)) == [0x08, 0x00, 0x12])
        let answer = AutoNATMessage.answer(.init(status: .dialError, statusText: "all dials failed"))
        let decoded = try AutoNATMessage(encoded: answer.encoded)
        #expect(decoded.response?.status == .dialError && decoded.response?.status.name == "E_DIAL_ERROR" && decoded.response?.statusText == "all dials failed")
        #expect(throws: Libp2pDecodeError.self, "no type") { try AutoNATMessage(encoded: []) }
        #expect(throws: Libp2pDecodeError.self, "a response without a status") { try AutoNATMessage(encoded: [0x08, 0x01, 0x1A, 0x00]) }
        #expect(throws: Libp2pDecodeError.self, "an unknown status") { try AutoNATMessage(encoded: [0x08, 0x01, 0x1A, 0x02, 0x08, 0x07]) }
    }
}
