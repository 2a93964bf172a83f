import NATWire
import Testing

/// The RFC 5769 test vectors, typed from the RFC (§2.1–2.4), plus RFC 8489 Appendix B.1.
@Suite struct RFC5769Tests {
    static let password = "VOkJxbRl1RmTxUk/WvJxBt"

    static let sampleRequest = hex("""
        00 01 00 58 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
        80 22 00 10 53 54 55 4e 20 74 65 73 74 20 63 6c 69 65 6e 74
        00 24 00 04 6e 00 01 ff 80 29 00 08 93 2f f9 b1 51 26 3b 36
        00 06 00 09 65 76 74 6a 3a 68 36 76 59 20 20 20
        00 08 00 14 9a ea a7 0c bf d8 cb 56 78 1e f2 b5 b2 d3 f2 49 c1 b5 71 a2
        80 28 00 04 e5 7a 3b cf
        """)

    static let ipv4Response = hex("""
        01 01 00 3c 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
        80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20
        00 20 00 08 00 01 a1 47 e1 12 a6 43
        00 08 00 14 2b 91 f5 99 fd 9e 90 c3 8c 74 89 f9 2a f9 ba 53 f0 6b e7 d7
        80 28 00 04 c0 7d 4c 96
        """)

    static let ipv6Response = hex("""
        01 01 00 48 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
        80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20
        00 20 00 14 00 02 a1 47 01 13 a9 fa a5 d3 f1 79 bc 25 f4 b5 be d2 b9 d9
        00 08 00 14 a3 82 95 4e 4b e6 7b f1 17 84 c9 7c 82 92 c2 75 bf e3 ed 41
        80 28 00 04 c8 fb 0b 4c
        """)

    static let longTermRequest = hex("""
        00 01 00 60 21 12 a4 42 78 ad 34 33 c6 ad 72 c0 29 da 41 2e
        00 06 00 12 e3 83 9e e3 83 88 e3 83 aa e3 83 83 e3 82 af e3 82 b9 00 00
        00 15 00 1c 66 2f 2f 34 39 39 6b 39 35 34 64 36 4f 4c 33 34 6f 4c 39 46 53 54 76 79 36 34 73 41
        00 14 00 0b 65 78 61 6d 70 6c 65 2e 6f 72 67 00
        00 08 00 14 f6 70 24 65 6d d6 4a 3e 02 b8 e0 71 2e 85 c9 a2 8c a8 96 66
        """)

    @Test func sampleRequestDecodesAndVerifies() throws {
        let message = try STUNMessage(decoding: Self.sampleRequest)
        #expect(message.type == .bindingRequest)
        #expect(message.transactionID.description == "b7e7a701bc34d686fa87dfae")
        #expect(try message.attribute(Software.self)?.text == "STUN test client")
        #expect(try message.attribute(Username.self)?.text == "evtj:h6vY")
        #expect(message.rawAttribute(.priority)?.value == [0x6e, 0x00, 0x01, 0xff])
        #expect(message.checkMessageIntegrity(key: .shortTerm(password: Self.password)) == .valid)
        #expect(message.checkMessageIntegrity(key: .shortTerm(password: "wrong")) == .invalid)
        #expect(message.checkFingerprint() == .valid)
    }

    @Test func sampleRequestEncodesByteForByte() throws {
        let decoded = try STUNMessage(decoding: Self.sampleRequest)
        var rebuilt = STUNMessage(type: .bindingRequest, transactionID: decoded.transactionID)
        rebuilt.append(Software("STUN test client"))
        rebuilt.attributes.append(STUNAttribute(type: .priority, value: hex("6e0001ff")))
        rebuilt.attributes.append(STUNAttribute(type: .iceControlled, value: hex("932ff9b151263b36")))
        rebuilt.append(Username("evtj:h6vY"))
        let bytes = rebuilt.encoded(integrity: .shortTerm(password: Self.password), fingerprint: true, paddingByte: 0x20)
        #expect(hexString(bytes) == hexString(Self.sampleRequest))
    }

    @Test(arguments: [
        (ipv4Response, "192.0.2.1:32853"),
        (ipv6Response, "[2001:db8:1234:5678:11:2233:4455:6677]:32853"),
    ])
    func responsesDecodeVerifyAndReencode(vector: [UInt8], mapped: String) throws {
        let message = try STUNMessage(decoding: vector)
        #expect(message.type == .bindingSuccess)
        #expect(try message.attribute(XORMappedAddress.self)?.address.description == mapped)
        #expect(try message.attribute(Software.self)?.text == "test vector")
        #expect(message.checkMessageIntegrity(key: .shortTerm(password: Self.password)) == .valid)
        #expect(message.checkFingerprint() == .valid)

        var rebuilt = STUNMessage(type: .bindingSuccess, transactionID: message.transactionID)
        rebuilt.append(Software("test vector"))
        rebuilt.append(XORMappedAddress(TransportAddress(mapped)!))
        let bytes = rebuilt.encoded(integrity: .shortTerm(password: Self.password), fingerprint: true, paddingByte: 0x20)
        #expect(hexString(bytes) == hexString(vector))
    }

    @Test func longTermRequestUsesSASLprepAndMD5Key() throws {
        let message = try STUNMessage(decoding: Self.longTermRequest)
        let username = try #require(try message.attribute(Username.self)?.text)
        #expect(username == "\u{30DE}\u{30C8}\u{30EA}\u{30C3}\u{30AF}\u{30B9}")
        #expect(try message.attribute(Nonce.self)?.text == "f//499k954d6OL34oL9FSTvy64sA")
        let realm = try #require(try message.attribute(Realm.self)?.text)
        #expect(realm == "example.org")
        // The password as typed, before SASLprep: soft hyphen, feminine ordinal, roman numeral nine.
        let key = STUNIntegrityKey.longTerm(username: username, realm: realm, password: "The\u{00AD}M\u{00AA}tr\u{2168}")
        #expect(hexString(key.bytes) == "e8ca7ad59d5eb0518e312911d2dab2a9")
        #expect(message.checkMessageIntegrity(key: key) == .valid)
        #expect(message.checkFingerprint() == .absent)

        var rebuilt = STUNMessage(type: .bindingRequest, transactionID: message.transactionID)
        rebuilt.append(Username(username))
        rebuilt.append(Nonce("f//499k954d6OL34oL9FSTvy64sA"))
        rebuilt.append(Realm(realm))
        #expect(hexString(rebuilt.encoded(integrity: key)) == hexString(Self.longTermRequest))
    }

    /// RFC 8489 Appendix B.1 (as corrected by erratum 6268): MESSAGE-INTEGRITY-SHA256 with a SHA-256 key.
    @Test func rfc8489SHA256Vector() throws {
        let vector = hex("""
            000100902112a44278ad3433c6ad72c029da412e001e00204a3cf38fef6992bda952c6780417da0f24819415569e60b205c46e41407f1704
            001500296f624d61744a6f733241414143662f2f3439396b39353464364f4c33346f4c394653547679363473410000000014000b6578616d
            706c652e6f726700001d000400020000001c0020b5c7bf005b6c52a21c51c5e892f81924136296cb927c43149309278cc6518e65
            """)
        let message = try STUNMessage(decoding: vector)
        let key = STUNIntegrityKey.longTerm(
            username: "\u{30DE}\u{30C8}\u{30EA}\u{30C3}\u{30AF}\u{30B9}", realm: "example.org", password: "TheMatrIX",
            algorithm: .sha256)
        #expect(message.checkMessageIntegritySHA256(key: key) == .valid)
        #expect(message.checkMessageIntegritySHA256(key: .shortTerm(password: "TheMatrIX")) == .invalid)
        #expect(message.checkMessageIntegrity(key: key) == .absent)
    }
}
