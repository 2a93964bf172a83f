/// An attribute whose value is one big-endian unsigned integer, exactly as wide as `Value`
/// (PRIORITY, ICE-CONTROLLING, PUNCH-SESSION, ...): one codec for all of them.
public protocol IntegerAttribute: STUNAttributeValue {
    associatedtype Value: FixedWidthInteger & UnsignedInteger & Sendable
    var value: Value { get }
    init(_ value: Value)
}

extension IntegerAttribute {
    public init(stunValue: ArraySlice<UInt8>, transactionID: TransactionID) throws(STUNDecodeError) {
        try requireLength(stunValue, Value.bitWidth / 8)
        self.init(stunValue.reduce(Value.zero) { $0 << 8 | Value($1) })
    }

    public func stunValue(transactionID: TransactionID) -> [UInt8] {
        stride(from: Value.bitWidth - 8, through: 0, by: -8).map { UInt8(truncatingIfNeeded: value >> $0) }
    }
}

/// An attribute that is a fixed number of opaque bytes (PUNCH-CONFIRM, PUNCH-WIREGUARD-KEY):
/// decoding checks the length, encoding writes the bytes.
public protocol FixedBytesAttribute: STUNAttributeValue {
    static var byteCount: Int { get }
    var bytes: [UInt8] { get }
    init(_ bytes: [UInt8])
}

extension FixedBytesAttribute {
    public init(stunValue: ArraySlice<UInt8>, transactionID: TransactionID) throws(STUNDecodeError) {
        try requireLength(stunValue, Self.byteCount)
        self.init(Array(stunValue))
    }

    public func stunValue(transactionID: TransactionID) -> [UInt8] { bytes }
}
