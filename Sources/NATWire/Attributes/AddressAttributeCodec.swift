/// The address encoding shared by MAPPED-ADDRESS and its relatives (RFC 8489 §14.1): one zero
/// byte, a family byte (0x01 IPv4, 0x02 IPv6), the port, then 4 or 16 address bytes. The XOR
/// form (RFC 8489 §14.2) XORs the port with the cookie's top half and the address with the
/// cookie followed, for IPv6, by the transaction ID.
enum AddressAttributeCodec {
    static let familyIPv4: UInt8 = 0x01
    static let familyIPv6: UInt8 = 0x02

    static func decode(
        _ value: ArraySlice<UInt8>, xorWith transactionID: TransactionID? = nil
    ) throws(STUNDecodeError) -> TransportAddress {
        var reader = ByteReader(value, place: "value")
        _ = try reader.readUInt8("reserved")
        let family = try reader.readUInt8("family")
        let length: Int
        switch family {
        case familyIPv4: length = 4
        case familyIPv6: length = 16
        default:
            throw STUNDecodeError(
                place: "field family", reason: "0x\(String(family, radix: 16)) is neither IPv4 (0x01) nor IPv6 (0x02)")
        }
        guard value.count == 4 + length else {
            throw STUNDecodeError(
                place: "value", reason: "is \(value.count) bytes; an \(family == familyIPv4 ? "IPv4" : "IPv6") address needs \(4 + length)")
        }
        var port = try reader.readUInt16("port")
        var address = Array(try reader.readBytes(length, "address"))
        if let transactionID {
            port ^= UInt16(STUNMessage.magicCookie >> 16)
            let mask = xorMask(transactionID)
            for i in address.indices { address[i] ^= mask[i] }
        }
        guard let ip = IPAddress(bytes: address) else {
            throw STUNDecodeError(place: "field address", reason: "has \(address.count) bytes")
        }
        return TransportAddress(ip: ip, port: port)
    }

    static func encode(_ address: TransportAddress, xorWith transactionID: TransactionID? = nil) -> [UInt8] {
        var out: [UInt8] = [0, address.ip.family == .ipv4 ? familyIPv4 : familyIPv6]
        var bytes = address.ip.bytes
        var port = address.port
        if let transactionID {
            port ^= UInt16(STUNMessage.magicCookie >> 16)
            let mask = xorMask(transactionID)
            for i in bytes.indices { bytes[i] ^= mask[i] }
        }
        out.appendUInt16(port)
        out.append(contentsOf: bytes)
        return out
    }

    private static func xorMask(_ transactionID: TransactionID) -> [UInt8] {
        var mask: [UInt8] = []
        mask.appendUInt32(STUNMessage.magicCookie)
        return mask + transactionID.bytes
    }
}

/// An attribute whose value is one plainly encoded transport address.
public protocol PlainAddressAttribute: STUNAttributeValue {
    var address: TransportAddress { get }
    init(_ address: TransportAddress)
}

extension PlainAddressAttribute {
    public init(stunValue: ArraySlice<UInt8>, transactionID: TransactionID) throws(STUNDecodeError) {
        self.init(try AddressAttributeCodec.decode(stunValue))
    }

    public func stunValue(transactionID: TransactionID) -> [UInt8] { AddressAttributeCodec.encode(address) }
}

/// An attribute whose value is one XOR-encoded transport address (XOR-MAPPED-ADDRESS, and
/// TURN's XOR-PEER-ADDRESS and XOR-RELAYED-ADDRESS).
public protocol XORAddressAttribute: STUNAttributeValue {
    var address: TransportAddress { get }
    init(_ address: TransportAddress)
}

extension XORAddressAttribute {
    public init(stunValue: ArraySlice<UInt8>, transactionID: TransactionID) throws(STUNDecodeError) {
        self.init(try AddressAttributeCodec.decode(stunValue, xorWith: transactionID))
    }

    public func stunValue(transactionID: TransactionID) -> [UInt8] {
        AddressAttributeCodec.encode(address, xorWith: transactionID)
    }
}
