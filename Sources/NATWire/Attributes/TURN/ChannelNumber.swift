/// CHANNEL-NUMBER (RFC 8656 §18.1): a 16-bit channel number, then two reserved bytes.
/// Valid numbers are 0x4000 through 0x4FFF (§12).
public struct ChannelNumber: STUNAttributeValue, Hashable {
    public static let attributeType = STUNAttributeType.channelNumber
    /// The range RFC 8656 §12 allows clients to bind; natctl's client stays inside it.
    public static let validRange: ClosedRange<UInt16> = 0x4000...0x4FFF
    /// What natctl's relay accepts: RFC 5766's wider 0x4000–0x7FFF, which clients written to
    /// it (coturn's turnutils_uclient among them) still pick from.
    public static let acceptedRange: ClosedRange<UInt16> = 0x4000...0x7FFF
    public var number: UInt16

    public init(_ number: UInt16) { self.number = number }

    public init(stunValue: ArraySlice<UInt8>, transactionID: TransactionID) throws(STUNDecodeError) {
        try requireLength(stunValue, 4)
        var reader = ByteReader(stunValue, place: "value")
        number = try reader.readUInt16("number")
    }

    public func stunValue(transactionID: TransactionID) -> [UInt8] {
        var out: [UInt8] = []
        out.appendUInt16(number)
        out.appendUInt16(0)
        return out
    }
}
