import NATServer
import NATWire
import Testing

@Suite struct BindingResponderTests {
    static let layout = ServerLayout(primary: TransportAddress("192.0.2.1:3478")!, alternate: TransportAddress("192.0.2.2:3479")!)
    static let client = TransportAddress("198.51.100.7:40001")!
    let responder = BindingResponder(layout: layout, software: "natctl test")

    private func request(_ build: (inout STUNMessage) -> Void = { _ in }) -> STUNMessage {
        var message = STUNMessage(type: .bindingRequest)
        build(&message)
        return message
    }

    private func answer(_ request: STUNMessage, on role: SocketRole = .primary, fingerprint: Bool = true) throws
        -> (BindingResponder.Reply, STUNMessage)
    {
        let reply = try #require(responder.reply(to: request.encoded(fingerprint: fingerprint), from: Self.client, receivedOn: role))
        let message = try STUNMessage(decoding: reply.bytes)
        #expect(message.transactionID == request.transactionID)
        return (reply, message)
    }

    @Test func plainBindingCarriesEveryRFC5780Attribute() throws {
        let (reply, response) = try answer(request())
        #expect(reply.from == .primary)
        #expect(reply.to == Self.client)
        #expect(response.type == .bindingSuccess)
        #expect(try response.attribute(XORMappedAddress.self)?.address == Self.client)
        #expect(try response.attribute(MappedAddress.self)?.address == Self.client)
        #expect(try response.attribute(ResponseOrigin.self)?.address.description == "192.0.2.1:3478")
        #expect(try response.attribute(OtherAddress.self)?.address.description == "192.0.2.2:3479")
        #expect(try response.attribute(Software.self)?.text == "natctl test")
        #expect(response.checkFingerprint() == .valid)
    }

    @Test(arguments: [
        (false, false, "192.0.2.1:3478"), (false, true, "192.0.2.1:3479"),
        (true, false, "192.0.2.2:3478"), (true, true, "192.0.2.2:3479"),
    ])
    func changeRequestPicksTheSocket(changeIP: Bool, changePort: Bool, origin: String) throws {
        let (reply, response) = try answer(request { $0.append(ChangeRequest(changeIP: changeIP, changePort: changePort)) })
        #expect(Self.layout.address(of: reply.from).description == origin)
        #expect(try response.attribute(ResponseOrigin.self)?.address.description == origin)
    }

    @Test func otherAddressIsRelativeToTheReceivingSocket() throws {
        let alternateBoth = SocketRole(alternateIP: true, alternatePort: true)
        let (_, response) = try answer(request(), on: alternateBoth)
        #expect(try response.attribute(OtherAddress.self)?.address.description == "192.0.2.1:3478")
        #expect(try response.attribute(ResponseOrigin.self)?.address.description == "192.0.2.2:3479")
    }

    @Test func responsePortRedirectsToTheClientIP() throws {
        let (reply, _) = try answer(request { $0.append(ResponsePort(50000)) })
        #expect(reply.to.description == "198.51.100.7:50000")
    }

    @Test func paddingIsAnsweredWithPaddingAndRefusedWithResponsePort() throws {
        let (_, padded) = try answer(request { $0.append(Padding(length: 100)) })
        #expect(try padded.attribute(Padding.self)?.length == 100, "padding as long as the request's own, never the MTU")
        let (_, refused) = try answer(request { $0.append(Padding(length: 100)); $0.append(ResponsePort(50000)) })
        #expect(try refused.attribute(ErrorCode.self)?.code == 400)
    }

    @Test func withoutAlternateChangeRequestGets420AndNoOtherAddress() throws {
        let single = BindingResponder(layout: ServerLayout(primary: Self.layout.primary))
        let plain = try STUNMessage(
            decoding: try #require(single.reply(to: request().encoded(), from: Self.client, receivedOn: .primary)).bytes)
        #expect(!plain.contains(.otherAddress))
        let change = request { $0.append(ChangeRequest(changeIP: true, changePort: false)) }
        let reply = try #require(single.reply(to: change.encoded(), from: Self.client, receivedOn: .primary))
        let error = try STUNMessage(decoding: reply.bytes)
        #expect(error.type == .bindingError)
        #expect(try error.attribute(ErrorCode.self)?.code == 420)
        #expect(try error.attribute(UnknownAttributes.self)?.types == [.changeRequest])
    }

    @Test func unknownComprehensionRequiredAttributeGets420() throws {
        let (_, response) = try answer(request { $0.attributes.append(STUNAttribute(type: .init(rawValue: 0x7F01), value: [1])) })
        #expect(try response.attribute(ErrorCode.self)?.code == 420)
        #expect(try response.attribute(UnknownAttributes.self)?.types.map(\.rawValue) == [0x7F01])
        // Unknown comprehension-optional attributes are ignored.
        let (_, ok) = try answer(request { $0.attributes.append(STUNAttribute(type: .init(rawValue: 0xC001), value: [1])) })
        #expect(ok.type == .bindingSuccess)
    }

    @Test func legacyRequestGetsRFC3489Attributes() throws {
        let legacy = STUNMessage(type: .bindingRequest, cookie: 0x0102_0304)
        let reply = try #require(responder.reply(to: legacy.encoded(), from: Self.client, receivedOn: .primary))
        let response = try STUNMessage(decoding: reply.bytes)
        #expect(response.cookie == 0x0102_0304)
        #expect(try response.attribute(MappedAddress.self)?.address == Self.client)
        #expect(try response.attribute(SourceAddress.self)?.address.description == "192.0.2.1:3478")
        #expect(try response.attribute(ChangedAddress.self)?.address.description == "192.0.2.2:3479")
        #expect(!response.contains(.xorMappedAddress))
        #expect(!response.contains(.fingerprint))
    }

    @Test func garbageResponsesAndBadFingerprintsAreDropped() throws {
        #expect(responder.reply(to: [1, 2, 3], from: Self.client, receivedOn: .primary) == nil)
        let response = STUNMessage(type: .bindingSuccess)
        #expect(responder.reply(to: response.encoded(), from: Self.client, receivedOn: .primary) == nil)
        var bytes = request().encoded(fingerprint: true)
        bytes[bytes.count - 1] ^= 0xFF
        #expect(responder.reply(to: bytes, from: Self.client, receivedOn: .primary) == nil)
    }

    @Test func otherMethodsGet400() throws {
        let allocate = STUNMessage(type: STUNMessageType(method: .allocate, messageClass: .request))
        let reply = try #require(responder.reply(to: allocate.encoded(), from: Self.client, receivedOn: .primary))
        let response = try STUNMessage(decoding: reply.bytes)
        #expect(response.type == STUNMessageType(method: .allocate, messageClass: .errorResponse))
        #expect(try response.attribute(ErrorCode.self)?.code == 400)
    }
}
