/// RESPONSE-PORT (RFC 5780 §7.5): the client port the server should send its response to,
/// used by the filtering tests; a 16-bit port followed by two bytes of padding.
public struct ResponsePort: STUNAttributeValue, Hashable {
    public static let attributeType = STUNAttributeType.responsePort
    public var port: UInt16

    public init(_ port: UInt16) { self.port = port }

    public init(stunValue: ArraySlice<UInt8>, transactionID: TransactionID) throws(STUNDecodeError) {
        guard stunValue.count == 4 || stunValue.count == 2 else {
            throw STUNDecodeError(place: "value", reason: "is \(stunValue.count) bytes, not 4")
        }
        var reader = ByteReader(stunValue, place: "value")
        self.port = try reader.readUInt16("port")
    }

    public func stunValue(transactionID: TransactionID) -> [UInt8] {
        var out: [UInt8] = []
        out.appendUInt16(port)
        out.appendUInt16(0)
        return out
    }
}
