/// PRIORITY (RFC 8445 §7.1.1): the priority a peer-reflexive candidate learned from this
/// check would get; natctl carries it so captures read like ICE.
public struct Priority: STUNAttributeValue, Hashable {
    public static let attributeType = STUNAttributeType.priority
    public var value: UInt32

    public init(_ value: UInt32) { self.value = value }

    public init(stunValue: ArraySlice<UInt8>, transactionID: TransactionID) throws(STUNDecodeError) {
        try requireLength(stunValue, 4)
        var reader = ByteReader(stunValue, place: "value")
        value = try reader.readUInt32("priority")
    }

    public func stunValue(transactionID: TransactionID) -> [UInt8] {
        var out: [UInt8] = []
        out.appendUInt32(value)
        return out
    }
}
