/// ICE-CONTROLLING (RFC 8445 §7.1.3): the sender claims the controlling role, with its 64-bit
/// tie-breaker. When both sides claim one role, the larger tie-breaker keeps "controlling".
public struct ICEControlling: IntegerAttribute, Hashable {
    public static let attributeType = STUNAttributeType.iceControlling
    public var value: UInt64
    public var tieBreaker: UInt64 { value }

    public init(_ value: UInt64) { self.value = value }
}

/// ICE-CONTROLLED (RFC 8445 §7.1.3); see `ICEControlling`.
public struct ICEControlled: IntegerAttribute, Hashable {
    public static let attributeType = STUNAttributeType.iceControlled
    public var value: UInt64
    public var tieBreaker: UInt64 { value }

    public init(_ value: UInt64) { self.value = value }
}
