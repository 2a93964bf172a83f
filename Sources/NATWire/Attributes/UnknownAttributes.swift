/// UNKNOWN-ATTRIBUTES (RFC 8489 §14.13): the comprehension-required attribute types a 420
/// response did not understand, as a list of 16-bit codes.
public struct UnknownAttributes: STUNAttributeValue, Hashable {
    public static let attributeType = STUNAttributeType.unknownAttributes
    public var types: [STUNAttributeType]

    public init(_ types: [STUNAttributeType]) { self.types = types }

    public init(stunValue: ArraySlice<UInt8>, transactionID: TransactionID) throws(STUNDecodeError) {
        guard stunValue.count % 2 == 0 else {
            throw STUNDecodeError(place: "value", reason: "is \(stunValue.count) bytes, not a whole number of 16-bit codes")
        }
        var reader = ByteReader(stunValue, place: "value")
        var types: [STUNAttributeType] = []
        while reader.remaining > 0 { types.append(STUNAttributeType(rawValue: try reader.readUInt16("code"))) }
        self.types = types
    }

    public func stunValue(transactionID: TransactionID) -> [UInt8] {
        var out: [UInt8] = []
        for type in types { out.appendUInt16(type.rawValue) }
        return out
    }
}
