/// PADDING (RFC 5780 §7.6): filler that makes a message big enough to be fragmented, for
/// testing how a NAT handles IP fragments. Its content carries no meaning.
public struct Padding: STUNAttributeValue, Hashable {
    public static let attributeType = STUNAttributeType.padding
    public var length: Int

    public init(length: Int) { self.length = max(0, min(length, 65_000)) }

    public init(stunValue: ArraySlice<UInt8>, transactionID: TransactionID) throws(STUNDecodeError) {
        self.length = stunValue.count
    }

    public func stunValue(transactionID: TransactionID) -> [UInt8] { [UInt8](repeating: 0, count: length) }
}
