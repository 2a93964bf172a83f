/// LIFETIME (RFC 8656 §18.2): seconds until an allocation expires without a refresh; 0 in a
/// Refresh request deletes the allocation.
public struct Lifetime: STUNAttributeValue, Hashable {
    public static let attributeType = STUNAttributeType.lifetime
    public var seconds: UInt32

    public init(seconds: UInt32) { self.seconds = seconds }

    public init(stunValue: ArraySlice<UInt8>, transactionID: TransactionID) throws(STUNDecodeError) {
        guard stunValue.count == 4 else { throw STUNDecodeError(place: "value", reason: "is \(stunValue.count) bytes, not 4") }
        var reader = ByteReader(stunValue, place: "value")
        seconds = try reader.readUInt32("seconds")
    }

    public func stunValue(transactionID: TransactionID) -> [UInt8] {
        var out: [UInt8] = []
        out.appendUInt32(seconds)
        return out
    }
}
