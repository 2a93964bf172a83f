import NATWire
import Testing

/// Every kind of malformed input gives a `STUNDecodeError` that names the place.
@Suite struct MalformedInputTests {
    static let valid = RFC5769Tests.sampleRequest

    private func decodeError(_ bytes: [UInt8]) -> STUNDecodeError? {
        do {
            _ = try STUNMessage(decoding: bytes)
            return nil
        } catch {
            return error
        }
    }

    @Test func headerProblemsNameTheHeaderField() throws {
        #expect(decodeError([])?.place == "header")
        #expect(decodeError(Array(Self.valid.prefix(19)))?.reason.contains("shorter than the 20-byte header") == true)
        var bits = Self.valid
        bits[0] = 0x80
        #expect(decodeError(bits)?.place == "header, field message type")
        var odd = Self.valid
        odd[3] = 0x57
        #expect(decodeError(odd)?.reason == "87 is not a multiple of 4")
        var long = Self.valid
        long[3] = 0x5C
        #expect(decodeError(long)?.reason.contains("says 92 bytes of attributes but the datagram carries 88") == true)
        #expect(decodeError(Self.valid + [0, 0, 0, 0])?.place == "header, field message length")
    }

    @Test func attributeOverrunNamesTheAttributeAndOffset() throws {
        // SOFTWARE claims 0xFF bytes at offset 20.
        var bytes = Self.valid
        bytes[23] = 0xFF
        let error = try #require(decodeError(bytes))
        #expect(error.place == "attribute SOFTWARE at offset 20")
        #expect(error.reason.contains("runs past the end"))
    }

    @Test func emptyBodyIsAValidMessageWithoutAttributes() throws {
        let message = try STUNMessage(decoding: hex("0001 0000 2112a442 000000000000000000000000"))
        #expect(message.attributes.isEmpty)
        #expect(message.checkFingerprint() == .absent)
    }

    @Test func integrityAndFingerprintSizesAreChecked() throws {
        let badMI = hex("0001 0008 2112a442 000000000000000000000000 0008 0004 00000000")
        #expect(decodeError(badMI)?.reason == "HMAC-SHA1 value is 4 bytes, not 20")
        let badFP = hex("0001 0008 2112a442 000000000000000000000000 8028 0002 00000000")
        #expect(decodeError(badFP)?.reason == "CRC-32 value is 2 bytes, not 4")
        let afterFingerprint = hex("0001 000c 2112a442 000000000000000000000000 8028 0004 00000000 8022 0000")
        #expect(decodeError(afterFingerprint)?.reason == "follows FINGERPRINT, which must be last")
    }

    @Test func typedAttributeErrorsNameAttributeFieldAndOffset() throws {
        var message = STUNMessage(type: .bindingSuccess)
        message.attributes = [
            STUNAttribute(type: .xorMappedAddress, value: [0, 3, 0, 0, 1, 2, 3, 4]),
            STUNAttribute(type: .errorCode, value: [0, 0, 9, 1]),
            STUNAttribute(type: .username, value: [0xFF, 0xFE]),
            STUNAttribute(type: .unknownAttributes, value: [0, 1, 0]),
            STUNAttribute(type: .mappedAddress, value: [0, 1, 0, 0, 1, 2]),
            STUNAttribute(type: .changeRequest, value: [0, 0]),
        ]
        let decoded = try STUNMessage(decoding: message.encoded())
        #expect(throws: STUNDecodeError(
            place: "attribute XOR-MAPPED-ADDRESS at offset 20, field family",
            reason: "0x3 is neither IPv4 (0x01) nor IPv6 (0x02)")) { try decoded.attribute(XORMappedAddress.self) }
        #expect(throws: STUNDecodeError(place: "attribute ERROR-CODE at offset 32, field class", reason: "1 is outside 3...6")) {
            try decoded.attribute(ErrorCode.self)
        }
        #expect(throws: STUNDecodeError(place: "attribute USERNAME at offset 40, value", reason: "is not valid UTF-8")) {
            try decoded.attribute(Username.self)
        }
        #expect(throws: STUNDecodeError.self) { try decoded.attribute(UnknownAttributes.self) }
        #expect(throws: STUNDecodeError.self) { try decoded.attribute(MappedAddress.self) }
        #expect(throws: STUNDecodeError.self) { try decoded.attribute(ChangeRequest.self) }
    }

    @Test func oversizedTextIsRejected() throws {
        var message = STUNMessage(type: .bindingRequest)
        message.attributes = [STUNAttribute(type: .username, value: Array(repeating: 0x61, count: 600))]
        let decoded = try STUNMessage(decoding: message.encoded())
        #expect(throws: STUNDecodeError.self) { try decoded.attribute(Username.self) }
    }
}
