import Crypto
import Libp2pWire
import Testing

/// The Noise XX handshake between natctl's own initiator and responder in memory: both derive
/// the same session, identities bind to static keys, and tampering is caught. (Interop with
/// py-libp2p is the lab's `probe --libp2p` test.)
@Suite struct NoiseHandshakeTests {
    struct Run {
        var initiator = NoiseXXHandshake(initiator: true)
        var responder = NoiseXXHandshake(initiator: false)
        let initiatorIdentity = Libp2pIdentity()
        let responderIdentity = Libp2pIdentity()
    }

    /// Runs the three messages; `tamper` may change message `n` (1-3) in flight.
    static func handshake(_ run: inout Run, tamper: (Int, inout [UInt8]) -> Void = { _, _ in }) throws -> (NoiseHandshakePayload, NoiseHandshakePayload) {
        var first = try run.initiator.writeFirst()
        tamper(1, &first)
        #expect(try run.responder.readFirst(first).isEmpty)
        let responderPayload = try NoiseHandshakePayload(signing: run.responder.staticPublicKey, with: run.responderIdentity)
        var second = try run.responder.writeSecond(payload: responderPayload.encoded)
        tamper(2, &second)
        let gotResponder = try NoiseHandshakePayload(encoded: try run.initiator.readSecond(second))
        let initiatorPayload = try NoiseHandshakePayload(signing: run.initiator.staticPublicKey, with: run.initiatorIdentity)
        var third = try run.initiator.writeThird(payload: initiatorPayload.encoded)
        tamper(3, &third)
        let gotInitiator = try NoiseHandshakePayload(encoded: try run.responder.readThird(third))
        return (gotResponder, gotInitiator)
    }

    @Test func bothSidesDeriveOneSessionAndLearnEachOthersIdentity() throws {
        var run = Run()
        let (responder, initiator) = try Self.handshake(&run)
        #expect(responder.identityKey.peerID == run.responderIdentity.peerID)
        #expect(initiator.identityKey.peerID == run.initiatorIdentity.peerID)
        #expect(run.initiator.remoteStatic == run.responder.staticPublicKey && run.responder.remoteStatic == run.initiator.staticPublicKey)
        #expect(responder.signs(staticKey: run.responder.staticPublicKey) == true)
        #expect(initiator.signs(staticKey: run.initiator.staticPublicKey) == true)
        #expect(responder.signs(staticKey: run.initiator.staticPublicKey) == false, "a signature binds one static key only")

        var (initiatorSend, initiatorReceive) = run.initiator.transportCiphers()
        var (responderSend, responderReceive) = run.responder.transportCiphers()
        for length in [0, 1, 100, 65_519] {
            let data = [UInt8](repeating: UInt8(length % 251), count: length)
            #expect(try responderReceive.decrypt(try initiatorSend.encrypt(data)) == data)
            #expect(try initiatorReceive.decrypt(try responderSend.encrypt(data)) == data)
        }
        #expect(initiatorSend.nonce == 4 && responderReceive.nonce == 4)
        var replay = responderReceive
        let sealed = try initiatorSend.encrypt([1, 2, 3])
        _ = try responderReceive.decrypt(sealed)
        #expect(throws: Libp2pDecodeError.self, "a message sealed under another nonce fails") { try replay.decrypt(try initiatorSend.encrypt([9])) }
    }

    @Test(arguments: [2, 3])
    func aChangedByteInAnEncryptedMessageFailsAuthentication(message: Int) {
        var run = Run()
        #expect(throws: Libp2pDecodeError.self) {
            _ = try Self.handshake(&run) { index, bytes in if index == message { bytes[bytes.count - 1] ^= 1 } }
        }
    }

    @Test func truncatedHandshakeMessagesAreErrorsNotTraps() throws {
        var responder = NoiseXXHandshake(initiator: false)
        #expect(throws: Libp2pDecodeError.self) { try responder.readFirst([1, 2, 3]) }
        var initiator = NoiseXXHandshake(initiator: true)
        _ = try? initiator.writeFirst()
        #expect(throws: Libp2pDecodeError.self) { try initiator.readSecond([UInt8](repeating: 9, count: 40)) }
        #expect(throws: Libp2pDecodeError.self) { try NoiseHandshakePayload(encoded: [0x0A, 0x05, 1]) }
        #expect(try NoiseFrame.parse([0x00, 0x03, 1, 2]) == nil)
        #expect(try NoiseFrame.parse([0x00, 0x02, 1, 2, 3])?.1 == 4)
    }
}
