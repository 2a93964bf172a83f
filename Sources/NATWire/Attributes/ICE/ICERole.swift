/// ICE-CONTROLLING and ICE-CONTROLLED (RFC 8445 §7.1.3): the sender's role and its 64-bit
/// tie-breaker. When both sides claim one role, the larger tie-breaker keeps "controlling".
public struct ICEControlling: STUNAttributeValue, Hashable {
    public static let attributeType = STUNAttributeType.iceControlling
    public var tieBreaker: UInt64

    public init(_ tieBreaker: UInt64) { self.tieBreaker = tieBreaker }

    public init(stunValue: ArraySlice<UInt8>, transactionID: TransactionID) throws(STUNDecodeError) {
        try requireLength(stunValue, 8)
        var reader = ByteReader(stunValue, place: "value")
        tieBreaker = try reader.readUInt64("tie-breaker")
    }

    public func stunValue(transactionID: TransactionID) -> [UInt8] {
        var out: [UInt8] = []
        out.appendUInt64(tieBreaker)
        return out
    }
}

/// ICE-CONTROLLED (RFC 8445 §7.1.3); see `ICEControlling`.
public struct ICEControlled: STUNAttributeValue, Hashable {
    public static let attributeType = STUNAttributeType.iceControlled
    public var tieBreaker: UInt64

    public init(_ tieBreaker: UInt64) { self.tieBreaker = tieBreaker }

    public init(stunValue: ArraySlice<UInt8>, transactionID: TransactionID) throws(STUNDecodeError) {
        try requireLength(stunValue, 8)
        var reader = ByteReader(stunValue, place: "value")
        tieBreaker = try reader.readUInt64("tie-breaker")
    }

    public func stunValue(transactionID: TransactionID) -> [UInt8] {
        var out: [UInt8] = []
        out.appendUInt64(tieBreaker)
        return out
    }
}
