/// USE-CANDIDATE (RFC 8445 §7.1.2): the controlling agent nominates the pair this check runs on.
/// It has no value.
public struct UseCandidate: STUNAttributeValue, Hashable {
    public static let attributeType = STUNAttributeType.useCandidate

    public init() {}

    public init(stunValue: ArraySlice<UInt8>, transactionID: TransactionID) throws(STUNDecodeError) {
        try requireLength(stunValue, 0)
    }

    public func stunValue(transactionID: TransactionID) -> [UInt8] { [] }
}
