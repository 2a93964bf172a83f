import NATWire

/// What a UDP payload is, when it is one of the protocols natctl speaks or explains.
public enum ApplicationMessage: Sendable, Hashable {
    case stun(STUNSummary)
    case channelData(channel: UInt16, length: Int)
    case wireGuard(WireGuardMessage)
}

/// The parts of a STUN/TURN message a trace shows and matches on.
public struct STUNSummary: Sendable, Hashable {
    public var method: STUNMethod
    public var messageClass: STUNClass
    public var transactionID: TransactionID
    /// XOR-MAPPED-ADDRESS (or MAPPED-ADDRESS): where the server saw the request come from.
    public var reflexive: TransportAddress?
    public var errorCode: Int?
    /// natctl punch traffic between peers: ICE-style connectivity checks (Binding with
    /// PRIORITY) and PunchData, as opposed to client–server STUN.
    public var isPeerCheck: Bool
    /// RFC 3489 framing (no magic cookie).
    public var isLegacy: Bool
    /// CHANGE-REQUEST (RFC 5780 filtering tests): the request asks for an answer from the
    /// server's other IP and/or port; nil when the attribute is absent.
    public var changeRequest: ChangeRequest? = nil
    /// RESPONSE-PORT (RFC 5780): the request asks for the answer on another client port.
    public var responsePort: UInt16? = nil

    /// The request asks to be answered from, or to, another endpoint than the one it used:
    /// one of the RFC 5780 tests whose answer a filtering NAT is expected to drop.
    public var asksForAnswerElsewhere: Bool {
        (changeRequest.map { $0.changeIP || $0.changePort } ?? false) || responsePort != nil
    }

    /// e.g. "STUN Binding request", "TURN Allocate error response 401".
    public var title: String {
        let family = [STUNMethod.allocate, .refresh, .send, .data, .createPermission, .channelBind].contains(method) ? "TURN" : (isPeerCheck ? "punch" : "STUN")
        let error = errorCode.map { " \($0)" } ?? ""
        return "\(family) \(method) \(messageClass)\(error)"
    }
}

/// A WireGuard message (WireGuard paper §5.4): the handshake's initiation, response and
/// cookie reply, and transport data; the indices tie a response to its initiation.
public struct WireGuardMessage: Sendable, Hashable {
    public enum Kind: UInt8, Sendable, Codable {
        case initiation = 1, response = 2, cookieReply = 3, transportData = 4
    }

    public var kind: Kind
    /// The sender's session index (initiation, response).
    public var sender: UInt32?
    /// The index of the message being answered (response, cookie reply, data).
    public var receiver: UInt32?

    public var title: String {
        switch kind {
        case .initiation: "WireGuard handshake initiation"
        case .response: "WireGuard handshake response"
        case .cookieReply: "WireGuard cookie reply"
        case .transportData: "WireGuard data"
        }
    }
}

enum ApplicationLayer {
    static func decode(_ payload: [UInt8]) -> ApplicationMessage? {
        if STUNMessage.looksLikeSTUN(payload), let summary = stun(payload) { return .stun(summary) }
        if let message = wireGuard(payload[...]) { return .wireGuard(message) }
        if payload.count >= 4, ChannelDataHeader.isChannelData(firstByte: payload[0]),
            let header = ChannelDataHeader.parse(payload[0], payload[1], payload[2], payload[3], datagramLength: payload.count)
        {
            return .channelData(channel: header.channel, length: Int(header.dataLength))
        }
        if STUNMessage.looksLikeSTUN(payload, requireCookie: false), let summary = stun(payload) { return .stun(summary) }
        return nil
    }

    private static func stun(_ payload: [UInt8]) -> STUNSummary? {
        guard let message = try? STUNMessage(decoding: payload) else { return nil }
        // Responses to checks carry no PRIORITY; the analysis marks them through their request.
        let check = (message.type.method == .binding && message.contains(.priority)) || message.type.method == .punchData
        return STUNSummary(
            method: message.type.method, messageClass: message.type.messageClass, transactionID: message.transactionID,
            reflexive: message.reflexiveAddress, errorCode: (try? message.attribute(ErrorCode.self))?.code,
            isPeerCheck: check, isLegacy: message.isLegacy,
            changeRequest: try? message.attribute(ChangeRequest.self), responsePort: (try? message.attribute(ResponsePort.self))?.port)
    }

    /// The fixed sizes of WireGuard's messages, with their three reserved zero bytes, make
    /// misreading other traffic as WireGuard unlikely.
    private static func wireGuard(_ payload: ArraySlice<UInt8>) -> WireGuardMessage? {
        guard let type = payload.byte(0), let kind = WireGuardMessage.Kind(rawValue: type),
            payload.byte(1) == 0, payload.byte(2) == 0, payload.byte(3) == 0
        else { return nil }
        let little = true
        switch kind {
        case .initiation where payload.count == 148:
            return WireGuardMessage(kind: kind, sender: payload.u32(4, littleEndian: little))
        case .response where payload.count == 92:
            return WireGuardMessage(kind: kind, sender: payload.u32(4, littleEndian: little), receiver: payload.u32(8, littleEndian: little))
        case .cookieReply where payload.count == 64:
            return WireGuardMessage(kind: kind, receiver: payload.u32(4, littleEndian: little))
        case .transportData where payload.count >= 32 && payload.count % 16 == 0:
            return WireGuardMessage(kind: kind, receiver: payload.u32(4, littleEndian: little))
        default:
            return nil
        }
    }
}
