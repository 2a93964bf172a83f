/// PUNCH-NAMEPLATE (natctl): the public part of a punch code, which the server pairs peers by.
/// 1 to 32 bytes of UTF-8; the rest of the code never leaves the peers.
public struct PunchNameplate: TextAttribute, Hashable {
    public static let attributeType = STUNAttributeType.punchNameplate
    public static let maximumBytes = 32
    public var text: String
    public init(_ text: String) { self.text = text }
}

/// PUNCH-SESSION (natctl): 8 random bytes naming one run of `natctl punch`, so the server tells
/// a peer's retransmission or new address from a third party using the same nameplate.
public struct PunchSessionID: IntegerAttribute, Hashable {
    public static let attributeType = STUNAttributeType.punchSession
    public var value: UInt64
    public var id: UInt64 { value }

    public init(_ value: UInt64) { self.value = value }
}

/// PUNCH-CONFIRM (natctl): 8 bytes derived from the whole code (`PunchCode.confirmation`). The
/// server passes each peer the other's, so a mistyped code is reported at once instead of as
/// checks that never authenticate.
public struct PunchConfirm: FixedBytesAttribute, Hashable {
    public static let attributeType = STUNAttributeType.punchConfirm
    public static let byteCount = 8
    public var bytes: [UInt8]

    public init(_ bytes: [UInt8]) { self.bytes = bytes }
}

/// PUNCH-WIREGUARD-KEY (natctl): the sender's WireGuard public key, 32 bytes, in every
/// PunchData message of `punch --wireguard`. Those messages carry MESSAGE-INTEGRITY-SHA256
/// keyed by the whole code, so the key is authenticated peer to peer: the server never sees
/// it and could not swap it. Comprehension-optional: a plain punch ignores it.
public struct PunchWireGuardKey: FixedBytesAttribute, Hashable {
    public static let attributeType = STUNAttributeType.punchWireGuardKey
    public static let byteCount = 32
    public var bytes: [UInt8]

    public init(_ bytes: [UInt8]) { self.bytes = bytes }
}
