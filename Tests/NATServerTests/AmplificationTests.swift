import NATServer
import NATWire
import Testing

/// No unauthenticated Binding answer is more than `AmplificationLimit.factor` times its
/// request, for every kind of request and both address families, yet each still carries
/// the client's reflexive address (or its error code).
@Suite struct AmplificationTests {
    static let layouts: [(String, ServerLayout, TransportAddress)] = [
        (
            "IPv4", ServerLayout(primary: TransportAddress("192.0.2.1:3478")!, alternate: TransportAddress("192.0.2.2:3479")!),
            TransportAddress("198.51.100.7:40001")!
        ),
        (
            "IPv6", ServerLayout(primary: TransportAddress("[2001:db8::1]:3478")!, alternate: TransportAddress("[2001:db8::2]:3479")!),
            TransportAddress("[2001:db8:1::7]:40001")!
        ),
    ]

    /// Request kinds an attacker would pick: the smallest of each.
    static let requests: [(String, [UInt8])] = {
        var padded = STUNMessage(type: .bindingRequest)
        padded.append(Padding(length: 0))
        var legacy = STUNMessage(type: .bindingRequest, cookie: 0x0102_0304)
        legacy.attributes = []
        var unknown = STUNMessage(type: .bindingRequest)
        unknown.attributes = [STUNAttribute(type: STUNAttributeType(rawValue: 0x0777), value: [])]
        var change = STUNMessage(type: .bindingRequest)
        change.append(ChangeRequest(changeIP: true, changePort: true))
        return [
            ("bare Binding", STUNMessage(type: .bindingRequest).encoded()),
            ("Binding with empty PADDING", padded.encoded()),
            ("RFC 3489 Binding", legacy.encoded()),
            ("unknown comprehension-required attribute", unknown.encoded()),
            ("CHANGE-REQUEST", change.encoded()),
            ("other method", STUNMessage(type: STUNMessageType(method: .allocate, messageClass: .request)).encoded()),
        ]
    }()

    @Test(arguments: 0..<2)
    func everyAnswerStaysWithinTheLimit(layoutIndex: Int) throws {
        let (family, layout, client) = Self.layouts[layoutIndex]
        for responder in [BindingResponder(layout: layout, software: "natctl 0.1.0"), BindingResponder(layout: ServerLayout(primary: layout.primary))] {
            for (kind, bytes) in Self.requests {
                guard let reply = responder.reply(to: bytes, from: client, receivedOn: .primary) else { continue }
                #expect(reply.bytes.count <= AmplificationLimit.factor * bytes.count, "\(family) \(kind): \(reply.bytes.count) bytes for \(bytes.count)")
                let response = try STUNMessage(decoding: reply.bytes)
                let code = try response.attribute(ErrorCode.self)
                let useful = response.reflexiveAddress == client || code != nil
                #expect(useful, "\(family) \(kind): the trimmed answer still says something")
            }
        }
    }

    @Test func theSmallestBindingRequestStillGetsItsAddress() throws {
        for (family, layout, client) in Self.layouts {
            let responder = BindingResponder(layout: layout, software: "natctl 0.1.0")
            let reply = try #require(responder.reply(to: STUNMessage(type: .bindingRequest).encoded(), from: client, receivedOn: .primary), "\(family)")
            #expect(try STUNMessage(decoding: reply.bytes).attribute(XORMappedAddress.self)?.address == client)
        }
    }

    @Test func aLargerRequestGetsTheFullAnswer() throws {
        let (_, layout, client) = Self.layouts[1]
        var request = STUNMessage(type: .bindingRequest)
        request.append(Software("a client that names itself"))
        let reply = try #require(BindingResponder(layout: layout, software: "natctl 0.1.0").reply(
            to: request.encoded(fingerprint: true), from: client, receivedOn: .primary))
        let response = try STUNMessage(decoding: reply.bytes)
        for type in [STUNAttributeType.otherAddress, .responseOrigin, .mappedAddress, .software] {
            #expect(response.contains(type), "\(type)")
        }
    }
}
