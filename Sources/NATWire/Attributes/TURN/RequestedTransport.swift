/// REQUESTED-TRANSPORT (RFC 8656 §18.7): the IP protocol number the relay should use toward
/// peers, then three reserved bytes. Only UDP (17) is relayed by natctl.
public struct RequestedTransport: STUNAttributeValue, Hashable {
    public static let attributeType = STUNAttributeType.requestedTransport
    public static let udp = RequestedTransport(protocolNumber: 17)
    public var protocolNumber: UInt8

    public init(protocolNumber: UInt8) { self.protocolNumber = protocolNumber }

    public init(stunValue: ArraySlice<UInt8>, transactionID: TransactionID) throws(STUNDecodeError) {
        try requireLength(stunValue, 4)
        protocolNumber = stunValue[stunValue.startIndex]
    }

    public func stunValue(transactionID: TransactionID) -> [UInt8] { [protocolNumber, 0, 0, 0] }
}

/// REQUESTED-ADDRESS-FAMILY (RFC 8656 §18.8): which family the relayed address should have,
/// 0x01 IPv4 or 0x02 IPv6, then three reserved bytes.
public struct RequestedAddressFamily: STUNAttributeValue, Hashable {
    public static let attributeType = STUNAttributeType.requestedAddressFamily
    public var family: IPAddress.Family

    public init(_ family: IPAddress.Family) { self.family = family }

    public init(stunValue: ArraySlice<UInt8>, transactionID: TransactionID) throws(STUNDecodeError) {
        try requireLength(stunValue, 4)
        switch stunValue[stunValue.startIndex] {
        case 0x01: family = .ipv4
        case 0x02: family = .ipv6
        case let other: throw STUNDecodeError(place: "field family", reason: "0x\(String(other, radix: 16)) is neither IPv4 (0x01) nor IPv6 (0x02)")
        }
    }

    public func stunValue(transactionID: TransactionID) -> [UInt8] { [family == .ipv4 ? 0x01 : 0x02, 0, 0, 0] }
}
