/// DATA (RFC 8656 §18.4): the application payload of a Send or Data indication, any length.
public struct DataValue: STUNAttributeValue, Hashable {
    public static let attributeType = STUNAttributeType.data
    public var bytes: [UInt8]

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public init(stunValue: ArraySlice<UInt8>, transactionID: TransactionID) throws(STUNDecodeError) {
        bytes = Array(stunValue)
    }

    public func stunValue(transactionID: TransactionID) -> [UInt8] { bytes }
}
