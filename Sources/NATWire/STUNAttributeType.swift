/// A STUN attribute type code (RFC 8489 §14, §18.3).
///
/// Codes below 0x8000 are comprehension-required: a receiver that does not understand one must
/// reject the message (420 Unknown Attribute); codes from 0x8000 are comprehension-optional.
public struct STUNAttributeType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    // RFC 8489 §18.3.1 (comprehension-required)
    public static let mappedAddress = Self(rawValue: 0x0001)
    public static let username = Self(rawValue: 0x0006)
    public static let messageIntegrity = Self(rawValue: 0x0008)
    public static let errorCode = Self(rawValue: 0x0009)
    public static let unknownAttributes = Self(rawValue: 0x000A)
    public static let realm = Self(rawValue: 0x0014)
    public static let nonce = Self(rawValue: 0x0015)
    public static let messageIntegritySHA256 = Self(rawValue: 0x001C)
    public static let passwordAlgorithm = Self(rawValue: 0x001D)
    public static let userhash = Self(rawValue: 0x001E)
    public static let xorMappedAddress = Self(rawValue: 0x0020)
    // RFC 8489 §18.3.2 (comprehension-optional)
    public static let passwordAlgorithms = Self(rawValue: 0x8002)
    public static let alternateDomain = Self(rawValue: 0x8003)
    public static let software = Self(rawValue: 0x8022)
    public static let alternateServer = Self(rawValue: 0x8023)
    public static let fingerprint = Self(rawValue: 0x8028)
    // RFC 8656 §18 (TURN)
    public static let channelNumber = Self(rawValue: 0x000C)
    public static let lifetime = Self(rawValue: 0x000D)
    public static let xorPeerAddress = Self(rawValue: 0x0012)
    public static let data = Self(rawValue: 0x0013)
    public static let xorRelayedAddress = Self(rawValue: 0x0016)
    public static let requestedAddressFamily = Self(rawValue: 0x0017)
    public static let evenPort = Self(rawValue: 0x0018)
    public static let requestedTransport = Self(rawValue: 0x0019)
    public static let dontFragment = Self(rawValue: 0x001A)
    public static let reservationToken = Self(rawValue: 0x0022)
    public static let additionalAddressFamily = Self(rawValue: 0x8000)
    public static let addressErrorCode = Self(rawValue: 0x8001)
    public static let icmp = Self(rawValue: 0x8004)
    // RFC 3489 §11.2 (legacy) and RFC 5780 §7
    public static let responseAddress = Self(rawValue: 0x0002)
    public static let changeRequest = Self(rawValue: 0x0003)
    public static let sourceAddress = Self(rawValue: 0x0004)
    public static let changedAddress = Self(rawValue: 0x0005)
    public static let padding = Self(rawValue: 0x0026)
    public static let responsePort = Self(rawValue: 0x0027)
    public static let responseOrigin = Self(rawValue: 0x802B)
    public static let otherAddress = Self(rawValue: 0x802C)
    // RFC 8445 §16.1 (ICE), named so captures and vectors read clearly
    public static let priority = Self(rawValue: 0x0024)
    public static let useCandidate = Self(rawValue: 0x0025)
    public static let iceControlled = Self(rawValue: 0x8029)
    public static let iceControlling = Self(rawValue: 0x802A)
    /// natctl dial-back (docs/protocol.md).
    public static let dialBackTarget = Self(rawValue: 0x40DB)
    public static let dialBackNonce = Self(rawValue: 0x40DC)
    public static let dialBackStatus = Self(rawValue: 0x80DB)
    /// natctl punch and rendezvous (docs/protocol.md).
    public static let punchNameplate = Self(rawValue: 0x40E0)
    public static let punchSession = Self(rawValue: 0x40E1)
    public static let punchCandidate = Self(rawValue: 0x40E2)
    public static let punchConfirm = Self(rawValue: 0x40E3)
    public static let punchMapping = Self(rawValue: 0x40E4)
    public static let punchSchedule = Self(rawValue: 0x40E5)
    public static let punchRelayCredential = Self(rawValue: 0x40E6)
    public static let punchSequence = Self(rawValue: 0x40E7)
    public static let punchServerRTT = Self(rawValue: 0x80E0)
    public static let punchWireGuardKey = Self(rawValue: 0x80E1)

    /// Whether a receiver must understand this attribute to process the message.
    public var isComprehensionRequired: Bool { rawValue < 0x8000 }

    private static let names: [UInt16: String] = [
        0x0001: "MAPPED-ADDRESS", 0x0002: "RESPONSE-ADDRESS", 0x0003: "CHANGE-REQUEST",
        0x0004: "SOURCE-ADDRESS", 0x0005: "CHANGED-ADDRESS", 0x0006: "USERNAME",
        0x0008: "MESSAGE-INTEGRITY", 0x0009: "ERROR-CODE", 0x000A: "UNKNOWN-ATTRIBUTES",
        0x0014: "REALM", 0x0015: "NONCE", 0x001C: "MESSAGE-INTEGRITY-SHA256",
        0x001D: "PASSWORD-ALGORITHM", 0x001E: "USERHASH", 0x0020: "XOR-MAPPED-ADDRESS",
        0x0024: "PRIORITY", 0x0025: "USE-CANDIDATE", 0x0026: "PADDING", 0x0027: "RESPONSE-PORT",
        0x8002: "PASSWORD-ALGORITHMS", 0x8003: "ALTERNATE-DOMAIN", 0x8022: "SOFTWARE",
        0x8023: "ALTERNATE-SERVER", 0x8028: "FINGERPRINT", 0x8029: "ICE-CONTROLLED",
        0x802A: "ICE-CONTROLLING", 0x802B: "RESPONSE-ORIGIN", 0x802C: "OTHER-ADDRESS",
        0x000C: "CHANNEL-NUMBER", 0x000D: "LIFETIME", 0x0012: "XOR-PEER-ADDRESS", 0x0013: "DATA",
        0x0016: "XOR-RELAYED-ADDRESS", 0x0017: "REQUESTED-ADDRESS-FAMILY", 0x0018: "EVEN-PORT",
        0x0019: "REQUESTED-TRANSPORT", 0x001A: "DONT-FRAGMENT", 0x0022: "RESERVATION-TOKEN",
        0x8000: "ADDITIONAL-ADDRESS-FAMILY", 0x8001: "ADDRESS-ERROR-CODE", 0x8004: "ICMP",
        0x40DB: "DIAL-BACK-TARGET", 0x40DC: "DIAL-BACK-NONCE", 0x80DB: "DIAL-BACK-STATUS",
        0x40E0: "PUNCH-NAMEPLATE", 0x40E1: "PUNCH-SESSION", 0x40E2: "PUNCH-CANDIDATE", 0x40E3: "PUNCH-CONFIRM",
        0x40E4: "PUNCH-MAPPING", 0x40E5: "PUNCH-SCHEDULE", 0x40E6: "PUNCH-RELAY-CREDENTIAL",
        0x40E7: "PUNCH-SEQUENCE", 0x80E0: "PUNCH-SERVER-RTT", 0x80E1: "PUNCH-WIREGUARD-KEY",
    ]

    /// The RFC name, or `0xNNNN` for codes natctl does not know.
    public var description: String {
        Self.names[rawValue] ?? "0x" + String(rawValue, radix: 16).leftPadded(to: 4)
    }
}

/// One attribute as it sits in a message: its type and its value bytes (without padding).
public struct STUNAttribute: Hashable, Sendable {
    public var type: STUNAttributeType
    public var value: [UInt8]

    public init(type: STUNAttributeType, value: [UInt8]) {
        self.type = type
        self.value = value
    }
}

/// An attribute with a typed value. Each conforming type lives in its own file under
/// `Attributes/` and cites the RFC section that defines it.
public protocol STUNAttributeValue: Sendable {
    /// The type code this value is carried under.
    static var attributeType: STUNAttributeType { get }
    /// Decodes the value bytes; XOR-encoded attributes use the message's transaction ID.
    init(stunValue: ArraySlice<UInt8>, transactionID: TransactionID) throws(STUNDecodeError)
    /// Encodes the value bytes (without padding).
    func stunValue(transactionID: TransactionID) -> [UInt8]
}
