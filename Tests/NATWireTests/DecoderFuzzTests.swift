import NATWire
import Testing

/// Round-trip fuzzing in the test suite: seeded, bounded mutations of valid messages must decode
/// or throw, never trap; whatever decodes must re-encode to a message that decodes to itself.
@Suite struct DecoderFuzzTests {
    /// A small deterministic generator (SplitMix64) so failures reproduce.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let seeds = [
        RFC5769Tests.sampleRequest, RFC5769Tests.ipv4Response, RFC5769Tests.ipv6Response, RFC5769Tests.longTermRequest,
    ]

    private func exerciseEveryAccessor(_ message: STUNMessage) {
        _ = try? message.attribute(XORMappedAddress.self)
        _ = try? message.attribute(MappedAddress.self)
        _ = try? message.attribute(OtherAddress.self)
        _ = try? message.attribute(ResponseOrigin.self)
        _ = try? message.attribute(Username.self)
        _ = try? message.attribute(Software.self)
        _ = try? message.attribute(ErrorCode.self)
        _ = try? message.attribute(UnknownAttributes.self)
        _ = try? message.attribute(ChangeRequest.self)
        _ = try? message.attribute(ResponsePort.self)
        _ = try? message.attribute(Padding.self)
        _ = try? message.attribute(MessageIntegrity.self)
        _ = try? message.attribute(Fingerprint.self)
        _ = try? message.attributes(PunchCandidate.self)
        _ = try? message.attribute(PunchMapping.self)
        _ = try? message.attribute(PunchSchedule.self)
        _ = try? message.attribute(PunchRelayCredential.self)
        _ = try? message.attribute(PunchSequence.self)
        _ = try? message.attribute(ICEControlling.self)
        _ = message.checkFingerprint()
        _ = message.checkMessageIntegrity(key: .shortTerm(password: "x"))
        _ = message.checkMessageIntegritySHA256(key: .shortTerm(password: "x"))
    }

    @Test func mutatedMessagesNeverTrap() {
        var rng = SeededGenerator(state: 5769)
        var decodedCount = 0
        for iteration in 0..<20_000 {
            var bytes = Self.seeds[iteration % Self.seeds.count]
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                case 1: bytes.removeLast(Int.random(in: 0...min(8, bytes.count - 1), using: &rng))
                case 2: bytes.append(contentsOf: (0..<4).map { _ in UInt8.random(in: 0...255, using: &rng) })
                default: bytes[2...3] = [0, UInt8(truncatingIfNeeded: (bytes.count - 20) & ~3)]
                }
            }
            guard let message = try? STUNMessage(decoding: bytes) else { continue }
            decodedCount += 1
            exerciseEveryAccessor(message)
            let again = try? STUNMessage(decoding: message.encoded())
            #expect(again == message)
        }
        #expect(decodedCount > 1000, "mutations should still leave many decodable messages")
    }

    @Test func randomBytesNeverTrap() {
        var rng = SeededGenerator(state: 8489)
        for _ in 0..<20_000 {
            var bytes = (0..<Int.random(in: 0...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if bytes.count >= 20, Bool.random(using: &rng) {  // make the header plausible half of the time
                bytes[0] &= 0x3F
                bytes[2] = 0
                bytes[3] = UInt8((bytes.count - 20) & ~3)
                bytes = Array(bytes.prefix(20 + Int(bytes[3])))
            }
            if let message = try? STUNMessage(decoding: bytes) { exerciseEveryAccessor(message) }
        }
    }
}
