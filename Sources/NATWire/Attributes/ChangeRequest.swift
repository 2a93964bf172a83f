/// CHANGE-REQUEST (RFC 5780 §7.2, from RFC 3489 §11.2.4): asks the server to answer from its
/// other IP address (flag A, 0x04) and/or its other port (flag B, 0x02).
public struct ChangeRequest: STUNAttributeValue, Hashable {
    public static let attributeType = STUNAttributeType.changeRequest
    static let changeIPFlag: UInt32 = 0x04
    static let changePortFlag: UInt32 = 0x02

    public var changeIP: Bool
    public var changePort: Bool

    public init(changeIP: Bool, changePort: Bool) {
        self.changeIP = changeIP
        self.changePort = changePort
    }

    public init(stunValue: ArraySlice<UInt8>, transactionID: TransactionID) throws(STUNDecodeError) {
        guard stunValue.count == 4 else {
            throw STUNDecodeError(place: "value", reason: "is \(stunValue.count) bytes, not 4")
        }
        var reader = ByteReader(stunValue, place: "value")
        let flags = try reader.readUInt32("flags")
        self.init(changeIP: flags & Self.changeIPFlag != 0, changePort: flags & Self.changePortFlag != 0)
    }

    public func stunValue(transactionID: TransactionID) -> [UInt8] {
        var out: [UInt8] = []
        out.appendUInt32((changeIP ? Self.changeIPFlag : 0) | (changePort ? Self.changePortFlag : 0))
        return out
    }
}
