/// A STUN method (RFC 8489 §5): the 12-bit operation a message carries.
public struct STUNMethod: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue & 0x0FFF }

    /// Binding (RFC 8489 §18.1).
    public static let binding = STUNMethod(rawValue: 0x001)
    /// TURN methods (RFC 8656 §17).
    public static let allocate = STUNMethod(rawValue: 0x003)
    public static let refresh = STUNMethod(rawValue: 0x004)
    public static let send = STUNMethod(rawValue: 0x006)
    public static let data = STUNMethod(rawValue: 0x007)
    public static let createPermission = STUNMethod(rawValue: 0x008)
    public static let channelBind = STUNMethod(rawValue: 0x009)
    /// natctl's AutoNAT-style dial-back (docs/protocol.md); not IANA-registered.
    public static let dialBack = STUNMethod(rawValue: 0x0DB)
    /// natctl punch: pairing two peers on a server, and data between them (docs/protocol.md).
    public static let rendezvous = STUNMethod(rawValue: 0x0DC)
    public static let punchData = STUNMethod(rawValue: 0x0DD)

    public var description: String {
        switch self {
        case .binding: "Binding"
        case .allocate: "Allocate"
        case .refresh: "Refresh"
        case .send: "Send"
        case .data: "Data"
        case .createPermission: "CreatePermission"
        case .channelBind: "ChannelBind"
        case .dialBack: "DialBack"
        case .rendezvous: "Rendezvous"
        case .punchData: "PunchData"
        default: "method 0x" + String(rawValue, radix: 16)
        }
    }
}

/// The class of a STUN message (RFC 8489 §5): request, indication, success or error response.
public enum STUNClass: UInt16, Sendable, CaseIterable, CustomStringConvertible {
    case request = 0b00
    case indication = 0b01
    case successResponse = 0b10
    case errorResponse = 0b11

    public var description: String {
        switch self {
        case .request: "request"
        case .indication: "indication"
        case .successResponse: "success response"
        case .errorResponse: "error response"
        }
    }

    /// Whether the message answers a request (and so closes a transaction).
    public var isResponse: Bool { self == .successResponse || self == .errorResponse }
}

/// The 14-bit message type field: method bits interleaved with the two class bits
/// (RFC 8489 §5, figure 3: M11..M7 C1 M6..M4 C0 M3..M0).
public struct STUNMessageType: Hashable, Sendable, CustomStringConvertible {
    public var method: STUNMethod
    public var messageClass: STUNClass

    public init(method: STUNMethod, messageClass: STUNClass) {
        self.method = method
        self.messageClass = messageClass
    }

    /// Decodes the type field; the two most significant bits must already be known to be zero.
    public init(rawValue: UInt16) {
        let m = rawValue & 0x000F | (rawValue & 0x00E0) >> 1 | (rawValue & 0x3E00) >> 2
        let c = (rawValue & 0x0010) >> 4 | (rawValue & 0x0100) >> 7
        self.method = STUNMethod(rawValue: m)
        self.messageClass = STUNClass(rawValue: c) ?? .request
    }

    public var rawValue: UInt16 {
        let m = method.rawValue
        let c = messageClass.rawValue
        return m & 0x000F | (m & 0x0070) << 1 | (m & 0x0F80) << 2 | (c & 0b01) << 4 | (c & 0b10) << 7
    }

    public var description: String { "\(method) \(messageClass)" }

    public static let bindingRequest = STUNMessageType(method: .binding, messageClass: .request)
    public static let bindingSuccess = STUNMessageType(method: .binding, messageClass: .successResponse)
    public static let bindingError = STUNMessageType(method: .binding, messageClass: .errorResponse)
}
