import NATWire
import Testing

@Suite struct CodecRoundTripTests {
    static let v4 = TransportAddress("203.0.113.7:40000")!
    static let v6 = TransportAddress("[2001:db8::42]:3478")!

    private func roundTrip(_ message: STUNMessage, fingerprint: Bool = true) throws -> STUNMessage {
        let decoded = try STUNMessage(decoding: message.encoded(fingerprint: fingerprint))
        #expect(decoded.checkFingerprint() == (fingerprint ? .valid : .absent))
        return decoded
    }

    @Test func messageTypeRoundTripsForEveryMethodAndClass() {
        for method in [STUNMethod.binding, .allocate, .refresh, .send, .data, .createPermission, .channelBind, .init(rawValue: 0xFFF)] {
            for messageClass in STUNClass.allCases {
                let type = STUNMessageType(method: method, messageClass: messageClass)
                #expect(STUNMessageType(rawValue: type.rawValue) == type)
                #expect(type.rawValue & 0xC000 == 0)
            }
        }
        #expect(STUNMessageType.bindingRequest.rawValue == 0x0001)
        #expect(STUNMessageType.bindingSuccess.rawValue == 0x0101)
        #expect(STUNMessageType.bindingError.rawValue == 0x0111)
        #expect(STUNMessageType(method: .allocate, messageClass: .request).rawValue == 0x0003)
        #expect(STUNMessageType(method: .data, messageClass: .indication).rawValue == 0x0017)
    }

    @Test(arguments: [v4, v6])
    func addressAttributesRoundTrip(address: TransportAddress) throws {
        var message = STUNMessage(type: .bindingSuccess)
        message.append(XORMappedAddress(address))
        message.append(MappedAddress(address))
        message.append(ResponseOrigin(address))
        message.append(OtherAddress(address))
        message.append(AlternateServer(address))
        message.append(SourceAddress(address))
        message.append(ChangedAddress(address))
        let decoded = try roundTrip(message)
        #expect(try decoded.attribute(XORMappedAddress.self)?.address == address)
        #expect(try decoded.attribute(MappedAddress.self)?.address == address)
        #expect(try decoded.attribute(ResponseOrigin.self)?.address == address)
        #expect(try decoded.attribute(OtherAddress.self)?.address == address)
        #expect(try decoded.attribute(AlternateServer.self)?.address == address)
        #expect(try decoded.attribute(SourceAddress.self)?.address == address)
        #expect(try decoded.attribute(ChangedAddress.self)?.address == address)
        // XOR really obscures the address on the wire.
        let xorValue = try #require(decoded.rawAttribute(.xorMappedAddress)?.value)
        #expect(Array(xorValue.suffix(address.ip.bytes.count)) != address.ip.bytes)
    }

    @Test func scalarAndTextAttributesRoundTrip() throws {
        var message = STUNMessage(type: .bindingError)
        message.append(Username("alice"))
        message.append(Realm("example.org"))
        message.append(Nonce("abc123"))
        message.append(Software("natctl test"))
        message.append(ErrorCode(code: 420))
        message.append(UnknownAttributes([.changeRequest, STUNAttributeType(rawValue: 0x7777), .padding]))
        message.append(ChangeRequest(changeIP: true, changePort: false))
        message.append(ResponsePort(54321))
        message.append(Padding(length: 37))
        let decoded = try roundTrip(message)
        #expect(decoded == (try STUNMessage(decoding: message.encoded(fingerprint: true))))
        #expect(try decoded.attribute(Username.self)?.text == "alice")
        #expect(try decoded.attribute(Realm.self)?.text == "example.org")
        #expect(try decoded.attribute(Nonce.self)?.text == "abc123")
        #expect(try decoded.attribute(Software.self)?.text == "natctl test")
        #expect(try decoded.attribute(ErrorCode.self) == ErrorCode(code: 420, reason: "Unknown Attribute"))
        #expect(try decoded.attribute(UnknownAttributes.self)?.types.map(\.rawValue) == [0x0003, 0x7777, 0x0026])
        #expect(try decoded.attribute(ChangeRequest.self) == ChangeRequest(changeIP: true, changePort: false))
        #expect(try decoded.attribute(ResponsePort.self)?.port == 54321)
        #expect(try decoded.attribute(Padding.self)?.length == 37)
    }

    @Test func changeRequestFlagsMatchRFC5780() {
        let tid = TransactionID.random()
        #expect(ChangeRequest(changeIP: true, changePort: true).stunValue(transactionID: tid) == [0, 0, 0, 0x06])
        #expect(ChangeRequest(changeIP: false, changePort: true).stunValue(transactionID: tid) == [0, 0, 0, 0x02])
        #expect(ChangeRequest(changeIP: true, changePort: false).stunValue(transactionID: tid) == [0, 0, 0, 0x04])
    }

    @Test func integrityOverBuiltMessageVerifiesAndDetectsTampering() throws {
        var message = STUNMessage(type: .bindingRequest)
        message.append(Username("bob"))
        let key = STUNIntegrityKey.longTerm(username: "bob", realm: "r", password: "p")
        var bytes = message.encoded(integrity: key, integritySHA256: key, fingerprint: true)
        let decoded = try STUNMessage(decoding: bytes)
        #expect(decoded.checkMessageIntegrity(key: key) == .valid)
        #expect(decoded.checkMessageIntegritySHA256(key: key) == .valid)
        #expect(decoded.checkFingerprint() == .valid)
        bytes[27] ^= 0x01  // flip a bit inside USERNAME
        let tampered = try STUNMessage(decoding: bytes)
        #expect(tampered.checkMessageIntegrity(key: key) == .invalid)
        #expect(tampered.checkMessageIntegritySHA256(key: key) == .invalid)
        #expect(tampered.checkFingerprint() == .invalid)
    }

    @Test func legacyRFC3489MessageKeepsItsWholeTransactionID() throws {
        var bytes = hex("0001 0000 a1b2c3d4 000102030405060708090a0b")
        let legacy = try STUNMessage(decoding: bytes)
        #expect(legacy.isLegacy)
        #expect(legacy.cookie == 0xa1b2_c3d4)
        bytes = legacy.encoded()
        #expect(hexString(bytes) == "00010000a1b2c3d4000102030405060708090a0b")
        #expect(!STUNMessage.looksLikeSTUN(bytes))
        #expect(STUNMessage.looksLikeSTUN(bytes, requireCookie: false))
    }

    @Test func endpointsParseAndPrintBracketedIPv6() {
        #expect(TransportAddress("[2001:db8::1]:3478")?.description == "[2001:db8::1]:3478")
        #expect(TransportAddress("192.0.2.1:0")?.port == 0)
        #expect(TransportAddress("2001:db8::1:3478") == nil)
        #expect(TransportAddress("192.0.2.1") == nil)
        #expect(TransportAddress("192.0.2.1:70000") == nil)
        #expect(TransportAddress("host.example:3478") == nil)
    }
}

@Suite struct HexTests {
    @Test func encodesLowercaseAndDecodesStrictly() {
        #expect(Hex.encode([0x00, 0x0f, 0xa5, 0xff]) == "000fa5ff")
        #expect(Hex.decode("000FA5ff") == [0x00, 0x0f, 0xa5, 0xff])
        #expect(Hex.decode("") == [])
        // UInt8("+f", radix: 16) is 15: the old nonce reader took a sign for a digit.
        for bad in ["+f", "0", "0g", " 0f", "0x0f", "-1"] { #expect(Hex.decode(bad) == nil, "\(bad)") }
        #expect(PortMapping.nonce(hex: "+f" + String(repeating: "0", count: 22)) == nil)
    }
}

@Suite struct FixedBytesAttributeTests {
    @Test func punchConfirmAndWireGuardKeyRoundTripAndCheckTheirLength() throws {
        var message = STUNMessage(type: STUNMessageType(method: .binding, messageClass: .indication))
        message.append(PunchConfirm([UInt8](repeating: 1, count: 8)))
        message.append(PunchWireGuardKey([UInt8](repeating: 2, count: 32)))
        let decoded = try STUNMessage(decoding: message.encoded())
        #expect(try decoded.attribute(PunchConfirm.self)?.bytes == [UInt8](repeating: 1, count: 8))
        #expect(try decoded.attribute(PunchWireGuardKey.self)?.bytes == [UInt8](repeating: 2, count: 32))
        #expect(throws: STUNDecodeError.self) { try PunchWireGuardKey(stunValue: [UInt8](repeating: 2, count: 31)[...], transactionID: message.transactionID) }
    }

    @Test func reservationTokensAreEightRandomBytes() throws {
        let token = ReservationToken.random()
        var message = STUNMessage(type: STUNMessageType(method: .allocate, messageClass: .successResponse))
        message.append(token)
        #expect(try STUNMessage(decoding: message.encoded()).attribute(ReservationToken.self) == token)
        #expect(ReservationToken.random() != token)
        #expect(throws: STUNDecodeError.self) { try ReservationToken(stunValue: [1, 2, 3, 4][...], transactionID: message.transactionID) }
    }
}
