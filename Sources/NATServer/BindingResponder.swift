import NATWire

/// Answers STUN Binding requests as an RFC 5780 server, without doing any I/O: bytes and the
/// socket they arrived on go in, the reply and the socket to send it from come out.
public struct BindingResponder: Sendable {
    /// A datagram to send, and from which of the server's sockets.
    public struct Reply: Sendable, Equatable {
        public var bytes: [UInt8]
        public var from: SocketRole
        public var to: TransportAddress
    }

    public var layout: ServerLayout
    public var software: String?

    public init(layout: ServerLayout, software: String? = "natctl") {
        self.layout = layout
        self.software = software
    }

    /// RFC 5780 §7.6 suggests padding a response to the outgoing MTU, so it fragments where the
    /// path MTU is smaller. That turns a 24-byte request into a 1,500-byte answer to whatever
    /// source it claims (coturn's `--no-rfc5780` warns of the same). natctl pads the response
    /// with as many bytes as the request's own PADDING carried, so a client that wants a large
    /// response pays for it with a large request (docs/protocol.md).
    static func responsePadding(for request: Padding) -> Padding { Padding(length: (request.length + 3) & ~3) }

    /// Attribute types this server understands in a Binding request.
    static let understood: Set<STUNAttributeType> = [
        .mappedAddress, .xorMappedAddress, .username, .messageIntegrity, .messageIntegritySHA256,
        .realm, .nonce, .changeRequest, .responsePort, .padding, .priority, .useCandidate, .fingerprint,
        .software, .userhash, .passwordAlgorithm,
    ]

    /// The reply to `datagram` from `client`, received on the socket in `role`; nil when the
    /// datagram must be dropped silently (not STUN, not a request, bad FINGERPRINT).
    public func reply(to datagram: some Collection<UInt8>, from client: TransportAddress, receivedOn role: SocketRole)
        -> Reply?
    {
        guard let request = try? STUNMessage(decoding: datagram), request.type.messageClass == .request,
            request.checkFingerprint() != .invalid
        else { return nil }
        guard request.type.method == .binding else {
            return error(400, "natctl answers only Binding here, not \(request.type.method)", request, client, role)
        }
        let unknown = request.unknownComprehensionRequired(known: Self.understood)
        guard unknown.isEmpty else { return error(420, nil, request, client, role, unknown: unknown) }
        let change: ChangeRequest?
        let responsePort: ResponsePort?
        let padding: Padding?
        do {
            change = try request.attribute(ChangeRequest.self)
            responsePort = try request.attribute(ResponsePort.self)
            padding = try request.attribute(Padding.self)
        } catch {
            return self.error(400, "\(error)", request, client, role)
        }
        if padding != nil && responsePort != nil {
            // RFC 5780 §6.1: PADDING with RESPONSE-PORT could be used to amplify traffic at a third port.
            return self.error(400, "PADDING and RESPONSE-PORT cannot be combined", request, client, role)
        }
        if let change, change.changeIP || change.changePort, layout.alternate == nil {
            // RFC 5780 §6.1: without an alternate address a CHANGE-REQUEST is an unknown attribute.
            return self.error(420, nil, request, client, role, unknown: [.changeRequest])
        }
        let sendingRole = change.map { role.changed(ip: $0.changeIP, port: $0.changePort) } ?? role
        let destination = responsePort.map { TransportAddress(ip: client.ip, port: $0.port) } ?? client
        let response = success(request, client: client, receivedOn: role, sentFrom: sendingRole, padding: padding)
        guard let bytes = response.encoded(fingerprint: !request.isLegacy, within: request.answerBudget) else { return nil }
        return Reply(bytes: bytes, from: sendingRole, to: destination)
    }

    private func success(
        _ request: STUNMessage, client: TransportAddress, receivedOn: SocketRole, sentFrom: SocketRole, padding: Padding?
    ) -> STUNMessage {
        var response = STUNMessage(type: .bindingSuccess, transactionID: request.transactionID, cookie: request.cookie)
        let origin = layout.address(of: sentFrom)
        let other = layout.alternate.map { _ in layout.address(of: receivedOn.changed(ip: true, port: true)) }
        if request.isLegacy {
            // RFC 3489 §11.2: MAPPED-ADDRESS, SOURCE-ADDRESS and CHANGED-ADDRESS, no FINGERPRINT.
            response.append(MappedAddress(client))
            response.append(SourceAddress(origin))
            if let other { response.append(ChangedAddress(other)) }
            return response
        }
        response.append(XORMappedAddress(client))
        response.append(MappedAddress(client))
        response.append(ResponseOrigin(origin))
        if let other { response.append(OtherAddress(other)) }
        if let software { response.append(Software(software)) }
        if let padding { response.append(Self.responsePadding(for: padding)) }
        return response
    }

    private func error(
        _ code: Int, _ reason: String?, _ request: STUNMessage, _ client: TransportAddress, _ role: SocketRole,
        unknown: [STUNAttributeType] = []
    ) -> Reply? {
        var response = STUNMessage(type: .bindingError, transactionID: request.transactionID, cookie: request.cookie)
        response.type.method = request.type.method
        response.append(ErrorCode(code: code, reason: reason))
        if !unknown.isEmpty { response.append(UnknownAttributes(unknown)) }
        if let software, !request.isLegacy { response.append(Software(software)) }
        guard let bytes = response.encoded(fingerprint: !request.isLegacy, within: request.answerBudget) else { return nil }
        return Reply(bytes: bytes, from: role, to: client)
    }
}
