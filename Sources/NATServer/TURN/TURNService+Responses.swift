import NATWire
import NIOCore

/// Success and error responses, signed with the integrity attribute the request used.
extension TURNService {
    func success(to request: Request, _ attributes: [any STUNAttributeValue]) -> ByteBuffer? {
        var response = STUNMessage(
            type: STUNMessageType(method: request.message.type.method, messageClass: .successResponse),
            transactionID: request.message.transactionID)
        for attribute in attributes { response.append(attribute) }
        return sign(response, for: request.identity, answering: request.message).map { ByteBuffer(bytes: $0) }
    }

    func reply(success attributes: [any STUNAttributeValue], to request: Request) {
        if let response = success(to: request, attributes) { write(response, to: request.link) }
    }

    func reply(error code: Int, _ reason: String? = nil, to request: Request) {
        reply(error: code, reason, to: request.message, link: request.link, identity: request.identity)
    }

    func reply(
        error code: Int, _ reason: String? = nil, extra: [any STUNAttributeValue] = [], to message: STUNMessage,
        link: ClientLink, identity: TURNAuthenticator.Identity? = nil, requestLength: Int? = nil
    ) {
        var response = STUNMessage(
            type: STUNMessageType(method: message.type.method, messageClass: .errorResponse), transactionID: message.transactionID)
        response.append(ErrorCode(code: code, reason: reason))
        for attribute in extra { response.append(attribute) }
        guard let bytes = sign(response, for: identity, answering: message, requestLength: requestLength) else { return }
        write(ByteBuffer(bytes: bytes), to: link)
    }

    /// Responses to authenticated requests carry the integrity attribute the request used.
    /// Unauthenticated ones (challenges, errors before authentication, an open relay's
    /// answers) stay within `AmplificationLimit` of the request, or are not sent at all.
    func sign(
        _ response: STUNMessage, for identity: TURNAuthenticator.Identity?, answering request: STUNMessage,
        requestLength: Int? = nil
    ) -> [UInt8]? {
        let fingerprint = request.contains(.fingerprint)
        guard let identity, let key = identity.key else {
            let budget = requestLength.map(AmplificationLimit.budget(forRequestOf:)) ?? request.answerBudget
            return response.encoded(fingerprint: fingerprint, within: budget)
        }
        return identity.usesSHA256
            ? response.encoded(integritySHA256: key, fingerprint: fingerprint)
            : response.encoded(integrity: key, fingerprint: fingerprint)
    }

    func write(_ bytes: ByteBuffer, to link: ClientLink) {
        switch link {
        case .datagram(let destination):
            guard let listener else { return }
            bytes.withUnsafeReadableBytes { listener.send($0, to: destination) }
        case .stream(let connection):
            connection.write(bytes)
        }
    }

    /// A TURN request that does not decode gets 400 naming the problem, when its header is
    /// intact enough to answer; anything else is dropped. Either way the server carries on.
    func rejectMalformed(_ buffer: ByteBuffer, _ error: STUNDecodeError, link: ClientLink) {
        let bytes = Array(buffer.readableBytesView.prefix(STUNMessage.headerLength))
        guard bytes.count == STUNMessage.headerLength, STUNMessage.looksLikeSTUN(bytes) else { return }
        let type = STUNMessageType(rawValue: UInt16(bytes[0]) << 8 | UInt16(bytes[1]))
        guard type.messageClass == .request else { return }
        guard let id = TransactionID(bytes: bytes[8..<20]), gate.allow(link.address.ip) else { return }
        let header = STUNMessage(type: type, transactionID: id)
        reply(error: ErrorCode.badRequest, "Malformed: \(error)", to: header, link: link, requestLength: buffer.readableBytes)
    }
}
