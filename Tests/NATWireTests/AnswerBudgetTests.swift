import NATWire
import Testing

/// `encoded(fingerprint:within:)`: answers trimmed, least needed first, to a byte budget.
@Suite struct AnswerBudgetTests {
    static let client = TransportAddress("[2001:db8::7]:40001")!

    static func fullAnswer() -> STUNMessage {
        var message = STUNMessage(type: .bindingSuccess)
        message.append(XORMappedAddress(client))
        message.append(MappedAddress(client))
        message.append(ResponseOrigin(TransportAddress("[2001:db8::1]:3478")!))
        message.append(OtherAddress(TransportAddress("[2001:db8::2]:3479")!))
        message.append(Software("natctl 0.1.0 with a long software name"))
        return message
    }

    @Test func aMessageThatFitsIsUnchanged() throws {
        let message = Self.fullAnswer()
        let bytes = try #require(message.encoded(fingerprint: true, within: 1000))
        #expect(bytes == message.encoded(fingerprint: true))
    }

    @Test func trimsSoftwareFirstAndKeepsTheReflexiveAddress() throws {
        let message = Self.fullAnswer()
        let full = message.encoded(fingerprint: true).count
        let withoutSoftware = try STUNMessage(decoding: try #require(message.encoded(fingerprint: true, within: full - 1)))
        #expect(!withoutSoftware.contains(.software) && withoutSoftware.contains(.mappedAddress))
        let tightBytes = try #require(message.encoded(fingerprint: true, within: 80))
        let tight = try STUNMessage(decoding: tightBytes)
        #expect(try tight.attribute(XORMappedAddress.self)?.address == Self.client)
        #expect(tight.checkFingerprint() == .valid)
        #expect(tightBytes.count <= 80)
        #expect(message.encoded(fingerprint: true, within: 40) == nil, "XOR-MAPPED-ADDRESS alone is 52 bytes: silence")
    }

    @Test func errorsLoseTheirReasonBeforeTheirCode() throws {
        var error = STUNMessage(type: .bindingError)
        error.append(ErrorCode(code: 400, reason: String(repeating: "why ", count: 40)))
        let bytes = try #require(error.encoded(fingerprint: false, within: 40))
        let decoded = try STUNMessage(decoding: bytes)
        #expect(try decoded.attribute(ErrorCode.self)?.code == 400)
        #expect(bytes.count <= 40)
    }

    @Test func paddingShrinksToTheBudget() throws {
        var message = STUNMessage(type: .bindingSuccess)
        message.append(XORMappedAddress(TransportAddress("192.0.2.7:1")!))
        message.append(Padding(length: 1500))
        let bytes = try #require(message.encoded(fingerprint: true, within: 400))
        #expect(bytes.count <= 400 && bytes.count > 380, "padding is cut to what the budget leaves, not dropped")
    }

    @Test func paddedRequestsReachTheirLength() {
        var request = STUNMessage(type: .bindingRequest)
        request.padded(toAtLeast: 200)
        let length = request.encoded(fingerprint: true).count
        #expect(length >= 200 && length < 204)
        var large = STUNMessage(type: .bindingRequest)
        large.append(Software(String(repeating: "x", count: 300)))
        let before = large.encoded(fingerprint: true).count
        large.padded(toAtLeast: 200)
        #expect(large.encoded(fingerprint: true).count == before, "a message already that long gets no padding")
    }
}
