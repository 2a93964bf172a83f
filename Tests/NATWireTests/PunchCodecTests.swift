import NATWire
import Testing

/// natctl's punch and rendezvous attributes (docs/protocol.md), and the code they are keyed by.
@Suite struct PunchCodecTests {
    static let v4 = TransportAddress("203.0.113.7:40000")!
    static let v6 = TransportAddress("[2001:db8::42]:3478")!

    @Test func rendezvousAttributesRoundTrip() throws {
        var message = STUNMessage(type: STUNMessageType(method: .rendezvous, messageClass: .successResponse))
        let candidates = [PunchCandidate(.host, Self.v4), PunchCandidate(.serverReflexive, Self.v6), PunchCandidate(.relayed, Self.v4), PunchCandidate(.predicted, Self.v4), PunchCandidate(.portMapped, Self.v4)]
        for candidate in candidates { message.append(candidate) }
        message.append(PunchNameplate("4127"))
        message.append(PunchSessionID(0xDEAD_BEEF_0123_4567))
        message.append(PunchConfirm([1, 2, 3, 4, 5, 6, 7, 8]))
        message.append(PunchMapping(.sequential, step: -2))
        message.append(PunchSchedule(.paired, controlling: false, startInMilliseconds: 70_000))
        message.append(PunchRelayCredential(username: "1700000000:punch-4127", password: "c2VjcmV0"))
        message.append(PunchServerRTT(milliseconds: 42))
        let decoded = try STUNMessage(decoding: message.encoded(fingerprint: true))
        #expect(decoded.type.method == .rendezvous)
        #expect(try decoded.attributes(PunchCandidate.self) == candidates)
        #expect(try decoded.attribute(PunchNameplate.self)?.text == "4127")
        #expect(try decoded.attribute(PunchSessionID.self)?.id == 0xDEAD_BEEF_0123_4567)
        #expect(try decoded.attribute(PunchConfirm.self)?.bytes == [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(try decoded.attribute(PunchMapping.self) == PunchMapping(.sequential, step: -2))
        #expect(try decoded.attribute(PunchSchedule.self) == PunchSchedule(.paired, controlling: false, startInMilliseconds: 70_000))
        #expect(try decoded.attribute(PunchRelayCredential.self)?.username == "1700000000:punch-4127")
        #expect(try decoded.attribute(PunchRelayCredential.self)?.password == "c2VjcmV0")
        #expect(try decoded.attribute(PunchServerRTT.self)?.milliseconds == 42)
    }

    @Test func checkAttributesRoundTrip() throws {
        var message = STUNMessage(type: .bindingRequest)
        message.append(Priority(0x6EFF_FFFF))
        message.append(ICEControlling(0x0102_0304_0506_0708))
        message.append(UseCandidate())
        message.append(PunchSequence(.summary, sequence: 0x8000_0001, received: 9))
        let key = PunchCode("4127-amber-falcon-river")!.checkKey
        let decoded = try STUNMessage(decoding: message.encoded(integritySHA256: key, fingerprint: true))
        #expect(try decoded.attribute(Priority.self)?.value == 0x6EFF_FFFF)
        #expect(try decoded.attribute(ICEControlling.self)?.tieBreaker == 0x0102_0304_0506_0708)
        #expect(decoded.contains(.useCandidate))
        #expect(try decoded.attribute(PunchSequence.self) == PunchSequence(.summary, sequence: 0x8000_0001, received: 9))
        #expect(decoded.checkMessageIntegritySHA256(key: key) == .valid)
        #expect(decoded.checkMessageIntegritySHA256(key: PunchCode("4127-amber-falcon-rivet")!.checkKey) == .invalid)
    }

    @Test func malformedPunchAttributesAreDecodeErrorsNamingTheField() {
        #expect(throws: STUNDecodeError(place: "field kind", reason: "9 is not a candidate kind (0-4)")) {
            try PunchCandidate(stunValue: [9, 0, 0, 0, 0, 1, 0, 1, 1, 2, 3, 4], transactionID: .random())
        }
        #expect(throws: STUNDecodeError(place: "field status", reason: "7 is not a dial-back status (0-3)")) {
            try DialBackStatus(stunValue: [17, 7, 0, 80], transactionID: .random())
        }
        #expect(throws: STUNDecodeError.self) { try PunchSchedule(stunValue: [1, 2, 0, 0, 0, 0, 0, 0], transactionID: .random()) }
        #expect(throws: STUNDecodeError.self) { try PunchSessionID(stunValue: [1, 2, 3], transactionID: .random()) }
        #expect(throws: STUNDecodeError.self) { try PunchRelayCredential(stunValue: [0, 9, 65], transactionID: .random()) }
        do {
            _ = try PunchMapping(stunValue: [7, 0, 0, 1], transactionID: .random())
            Issue.record("behaviour 7 decoded")
        } catch {
            #expect(error.description.contains("behaviour"))
        }
    }

    @Test func codesParseAndKeyDeterministically() throws {
        let code = try #require(PunchCode("4127-amber-falcon-river"))
        #expect(code.nameplate == "4127")
        #expect(code.checkKey == PunchCode("4127-amber-falcon-river")?.checkKey)
        #expect(code.checkKey.bytes.count == 32)
        #expect(code.confirmation != PunchCode("4127-amber-falcon-rivet")?.confirmation)
        #expect(code.confirmation.bytes.count == 8)
        for bad in ["", "4127", "-abc", "4127-ab", "41 27-amber", String(repeating: "9", count: 40) + "-words"] {
            #expect(PunchCode(bad) == nil, "\(bad)")
        }
        let fresh = PunchCode.random()
        #expect(PunchCode(fresh.text) == fresh)
        #expect(fresh.text.split(separator: "-").count == 4)
        #expect(PunchCode.random() != PunchCode.random())
    }
}
