import Testing

@testable import NATWire

/// Where messages end in a TCP or TLS stream (RFC 8489 §6.2, RFC 8656 §12.5).
@Suite struct StreamFramingTests {
    @Test func aSTUNMessageIsItsHeaderAndLength() {
        var request = STUNMessage(type: STUNMessageType(method: .binding, messageClass: .request))
        request.append(Software("natctl"))
        let bytes = request.encoded()
        #expect(STUNStreamFraming.frame(at: bytes + [0x40, 0x00]) == .length(bytes.count), "what follows is not counted")
        #expect(STUNStreamFraming.frame(at: bytes.prefix(7)) == .needMore, "the cookie is checked before a length is trusted")
        var noCookie = bytes
        noCookie[4] = 0
        if case .length = STUNStreamFraming.frame(at: noCookie) { Issue.record("a message without the cookie was framed") }
    }

    @Test func channelDataIsPaddedToFourBytesOverStreams() {
        #expect(STUNStreamFraming.frame(at: [0x40, 0x00, 0x00, 0x05]) == .length(12))
        #expect(STUNStreamFraming.frame(at: [0x40, 0x00, 0x00, 0x04]) == .length(8))
        #expect(STUNStreamFraming.frame(at: [0x40, 0x00, 0x00, 0x00]) == .length(4))
        #expect(STUNStreamFraming.frame(at: [0x40, 0x00, 0x00]) == .needMore)
        #expect(STUNStreamFraming.padded([0x40, 0x00, 0x00, 0x01, 0xAA]) == [0x40, 0x00, 0x00, 0x01, 0xAA, 0, 0, 0])
    }

    @Test func anythingElseEndsTheStream() {
        for bytes: [UInt8] in [[0xC0, 0, 0, 0], [0x80, 0, 0, 4], [0x00, 0x01, 0x00, 0x03, 0x21, 0x12, 0xA4, 0x42]] {
            guard case .invalid = STUNStreamFraming.frame(at: bytes) else {
                Issue.record("\(bytes) was framed")
                continue
            }
        }
    }

    /// Any prefix frames to needMore, invalid, or a length of at least 4 within the maximum.
    @Test func randomBytesNeverFrameOutOfBounds() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let bytes = (0..<Int.random(in: 0...24, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if case .length(let length) = STUNStreamFraming.frame(at: bytes) {
                #expect(length >= 4 && length <= STUNStreamFraming.maximumLength && length % 4 == 0)
            }
        }
    }
}
