/// MESSAGE-INTEGRITY (RFC 8489 §14.5): a 20-byte HMAC-SHA1 over the message up to it.
/// Read it to inspect the value; `STUNMessage.checkMessageIntegrity(key:)` verifies it and
/// `encoded(integrity:)` writes it.
public struct MessageIntegrity: STUNAttributeValue, Hashable {
    public static let attributeType = STUNAttributeType.messageIntegrity
    public var mac: [UInt8]

    public init(stunValue: ArraySlice<UInt8>, transactionID: TransactionID) throws(STUNDecodeError) {
        guard stunValue.count == 20 else { throw STUNDecodeError(place: "value", reason: "is \(stunValue.count) bytes, not 20") }
        mac = Array(stunValue)
    }

    public func stunValue(transactionID: TransactionID) -> [UInt8] { mac }
}

/// MESSAGE-INTEGRITY-SHA256 (RFC 8489 §14.6): an HMAC-SHA256, possibly truncated to 16–32 bytes.
public struct MessageIntegritySHA256: STUNAttributeValue, Hashable {
    public static let attributeType = STUNAttributeType.messageIntegritySHA256
    public var mac: [UInt8]

    public init(stunValue: ArraySlice<UInt8>, transactionID: TransactionID) throws(STUNDecodeError) {
        guard (16...32).contains(stunValue.count), stunValue.count % 4 == 0 else {
            throw STUNDecodeError(place: "value", reason: "is \(stunValue.count) bytes, not 16 to 32 in steps of 4")
        }
        mac = Array(stunValue)
    }

    public func stunValue(transactionID: TransactionID) -> [UInt8] { mac }
}

/// FINGERPRINT (RFC 8489 §14.7): CRC-32 of the message up to it, XORed with 0x5354554e.
public struct Fingerprint: STUNAttributeValue, Hashable {
    public static let attributeType = STUNAttributeType.fingerprint
    public var crc: UInt32

    public init(stunValue: ArraySlice<UInt8>, transactionID: TransactionID) throws(STUNDecodeError) {
        guard stunValue.count == 4 else { throw STUNDecodeError(place: "value", reason: "is \(stunValue.count) bytes, not 4") }
        var reader = ByteReader(stunValue, place: "value")
        crc = try reader.readUInt32("crc")
    }

    public func stunValue(transactionID: TransactionID) -> [UInt8] {
        var out: [UInt8] = []
        out.appendUInt32(crc)
        return out
    }
}
