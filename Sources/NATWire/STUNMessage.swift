/// A STUN message (RFC 8489 §5): a 20-byte header and a list of attributes.
///
/// Decoding keeps the received bytes so MESSAGE-INTEGRITY(-SHA256) and FINGERPRINT can be
/// verified exactly as they were sent; encoding computes them (see `STUNMessage+Integrity`).
/// RFC 3489 messages, which have no magic cookie, decode too: their `cookie` is simply the first
/// 32 bits of the 128-bit legacy transaction ID.
public struct STUNMessage: Sendable, CustomStringConvertible {
    /// The fixed value RFC 5389 put where RFC 3489 had transaction ID bits (RFC 8489 §5).
    public static let magicCookie: UInt32 = 0x2112_A442
    /// Length of the fixed header.
    public static let headerLength = 20

    public var type: STUNMessageType
    public var transactionID: TransactionID
    /// The magic cookie in RFC 5389/8489 messages; other values mark an RFC 3489 message.
    public var cookie: UInt32
    /// Attributes in wire order, MESSAGE-INTEGRITY and FINGERPRINT included when decoded.
    public var attributes: [STUNAttribute]
    /// The exact bytes this message was decoded from (nil for messages built locally).
    public private(set) var receivedBytes: [UInt8]?
    /// Offsets of `attributes` within `receivedBytes`.
    var attributeOffsets: [Int] = []

    public init(
        type: STUNMessageType, transactionID: TransactionID = .random(), cookie: UInt32 = magicCookie,
        attributes: [STUNAttribute] = []
    ) {
        self.type = type
        self.transactionID = transactionID
        self.cookie = cookie
        self.attributes = attributes
    }

    /// Whether this is an RFC 3489 message (no magic cookie).
    public var isLegacy: Bool { cookie != Self.magicCookie }

    public var description: String {
        "\(type) \(transactionID) [" + attributes.map(\.type.description).joined(separator: ", ") + "]"
    }

    // MARK: Attribute access

    /// The first attribute of `type`, raw.
    public func rawAttribute(_ type: STUNAttributeType) -> STUNAttribute? {
        attributes.first { $0.type == type }
    }

    public func contains(_ type: STUNAttributeType) -> Bool { rawAttribute(type) != nil }

    /// Decodes the first attribute of `T`'s type; nil when absent, an error naming the
    /// attribute and its offset when present but malformed.
    public func attribute<T: STUNAttributeValue>(_: T.Type) throws(STUNDecodeError) -> T? {
        guard let index = attributes.firstIndex(where: { $0.type == T.attributeType }) else { return nil }
        return try decodeAttribute(at: index)
    }

    private func decodeAttribute<T: STUNAttributeValue>(at index: Int) throws(STUNDecodeError) -> T {
        do {
            return try T(stunValue: attributes[index].value[...], transactionID: transactionID)
        } catch {
            let offset = index < attributeOffsets.count ? " at offset \(attributeOffsets[index])" : ""
            throw error.within("attribute \(T.attributeType)\(offset)")
        }
    }

    /// The reflexive address a response reports: XOR-MAPPED-ADDRESS, or MAPPED-ADDRESS from
    /// RFC 3489 servers; nil when neither is there or decodes.
    public var reflexiveAddress: TransportAddress? {
        (try? attribute(XORMappedAddress.self))?.address ?? (try? attribute(MappedAddress.self))?.address
    }

    /// The server's alternate address: RFC 5780 OTHER-ADDRESS, else RFC 3489 CHANGED-ADDRESS
    /// (stund, and coturn answering old clients, send only that).
    public var alternateServerAddress: TransportAddress? {
        (try? attribute(OtherAddress.self))?.address ?? (try? attribute(ChangedAddress.self))?.address
    }

    /// Decodes every attribute of `T`'s type, in order (for repeatable attributes).
    public func attributes<T: STUNAttributeValue>(_: T.Type) throws(STUNDecodeError) -> [T] {
        var values: [T] = []
        for index in attributes.indices where attributes[index].type == T.attributeType {
            values.append(try decodeAttribute(at: index))
        }
        return values
    }

    /// Appends a typed attribute. Append integrity and FINGERPRINT through `encoded(...)` instead.
    public mutating func append<T: STUNAttributeValue>(_ value: T) {
        attributes.append(STUNAttribute(type: T.attributeType, value: value.stunValue(transactionID: transactionID)))
    }

    /// Comprehension-required attribute types in this message that `known` does not include,
    /// for a 420 (Unknown Attribute) answer (RFC 8489 §6.3.1).
    public func unknownComprehensionRequired(known: Set<STUNAttributeType>) -> [STUNAttributeType] {
        var seen = Set<STUNAttributeType>()
        return attributes.map(\.type).filter { $0.isComprehensionRequired && !known.contains($0) && seen.insert($0).inserted }
    }

    // MARK: Encoding

    /// The header and attributes, padded, without integrity or fingerprint.
    /// `paddingByte` fills attribute padding; RFC 8489 says any value, and RFC 5769's vectors use 0x20.
    func encodedBody(paddingByte: UInt8 = 0) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(Self.headerLength + attributes.reduce(0) { $0 + 4 + ($1.value.count + 3) & ~3 })
        out.appendUInt16(type.rawValue)
        out.appendUInt16(0)  // length, patched below
        out.appendUInt32(cookie)
        out.append(contentsOf: transactionID.bytes)
        for attribute in attributes { Self.appendAttribute(attribute, to: &out, paddingByte: paddingByte) }
        Self.patchLength(&out, attributesLength: out.count - Self.headerLength)
        return out
    }

    static func appendAttribute(_ attribute: STUNAttribute, to out: inout [UInt8], paddingByte: UInt8 = 0) {
        out.appendUInt16(attribute.type.rawValue)
        out.appendUInt16(UInt16(attribute.value.count))
        out.append(contentsOf: attribute.value)
        out.append(contentsOf: repeatElement(paddingByte, count: (4 - attribute.value.count % 4) % 4))
    }

    static func patchLength(_ bytes: inout [UInt8], attributesLength: Int) {
        bytes[2] = UInt8(attributesLength >> 8 & 0xFF)
        bytes[3] = UInt8(attributesLength & 0xFF)
    }

    // MARK: Decoding

    /// Whether `bytes` could be STUN at all: first two bits zero, length a multiple of four, and
    /// (for RFC 5389+) the magic cookie. Used to tell STUN from ChannelData and other traffic.
    public static func looksLikeSTUN(_ bytes: some Collection<UInt8>, requireCookie: Bool = true) -> Bool {
        let b = Array(bytes.prefix(8))
        guard b.count == 8, b[0] & 0xC0 == 0, b[3] & 0x03 == 0 else { return false }
        return !requireCookie || b[4...7].elementsEqual([0x21, 0x12, 0xA4, 0x42])
    }

    /// Decodes one datagram. Throws `STUNDecodeError` naming the place of the first problem;
    /// never traps on any input.
    public init(decoding datagram: some Collection<UInt8>) throws(STUNDecodeError) {
        let bytes = Array(datagram)
        var header = ByteReader(bytes[...], place: "header")
        guard bytes.count >= Self.headerLength else {
            throw STUNDecodeError(place: "header", reason: "datagram is \(bytes.count) bytes, shorter than the 20-byte header")
        }
        let rawType = try header.readUInt16("message type")
        guard rawType & 0xC000 == 0 else {
            throw STUNDecodeError(
                place: "header, field message type",
                reason: "first two bits are not zero (0x\(String(rawType, radix: 16))), so this is not STUN")
        }
        let length = Int(try header.readUInt16("message length"))
        guard length % 4 == 0 else {
            throw STUNDecodeError(place: "header, field message length", reason: "\(length) is not a multiple of 4")
        }
        guard Self.headerLength + length == bytes.count else {
            throw STUNDecodeError(
                place: "header, field message length",
                reason: "says \(length) bytes of attributes but the datagram carries \(bytes.count - Self.headerLength)")
        }
        let cookie = try header.readUInt32("magic cookie")
        let tid = TransactionID(unchecked: Array(try header.readBytes(12, "transaction ID")))
        self.init(type: STUNMessageType(rawValue: rawType), transactionID: tid, cookie: cookie)
        (attributes, attributeOffsets) = try Self.decodeAttributes(bytes)
        receivedBytes = bytes
    }

    private static func decodeAttributes(_ bytes: [UInt8]) throws(STUNDecodeError) -> ([STUNAttribute], [Int]) {
        var reader = ByteReader(bytes[headerLength...], place: "attributes")
        var attributes: [STUNAttribute] = []
        var offsets: [Int] = []
        while reader.remaining > 0 {
            let offset = reader.index
            if attributes.last?.type == .fingerprint {
                throw STUNDecodeError(place: "attribute at offset \(offset)", reason: "follows FINGERPRINT, which must be last")
            }
            let rawType = try reader.readUInt16("attribute type at offset \(offset)")
            let type = STUNAttributeType(rawValue: rawType)
            let place = "attribute \(type) at offset \(offset)"
            let length = Int(try reader.readUInt16("\(type) length at offset \(offset)"))
            guard length <= reader.remaining else {
                throw STUNDecodeError(place: place, reason: "length \(length) runs past the end of the message (\(reader.remaining) bytes left)")
            }
            let value = try reader.readBytes(length, "value")
            let padding = (4 - length % 4) % 4
            guard padding <= reader.remaining else {
                throw STUNDecodeError(place: place, reason: "padding to a 4-byte boundary is missing")
            }
            _ = try reader.readBytes(padding, "padding")
            try validateStructuralLength(type, length, place: place)
            attributes.append(STUNAttribute(type: type, value: Array(value)))
            offsets.append(offset)
        }
        return (attributes, offsets)
    }

    /// Integrity and fingerprint attributes have fixed sizes that decoding checks at once,
    /// because verification relies on them.
    private static func validateStructuralLength(_ type: STUNAttributeType, _ length: Int, place: String) throws(STUNDecodeError) {
        switch type {
        case .messageIntegrity where length != 20:
            throw STUNDecodeError(place: place, reason: "HMAC-SHA1 value is \(length) bytes, not 20")
        case .messageIntegritySHA256 where !(16...32).contains(length) || length % 4 != 0:
            throw STUNDecodeError(place: place, reason: "HMAC-SHA256 value is \(length) bytes, not 16 to 32 in steps of 4")
        case .fingerprint where length != 4:
            throw STUNDecodeError(place: place, reason: "CRC-32 value is \(length) bytes, not 4")
        default:
            return
        }
    }
}

extension STUNMessage: Equatable {
    /// Messages are equal when header and attributes match; how they were received does not matter.
    public static func == (lhs: STUNMessage, rhs: STUNMessage) -> Bool {
        lhs.type == rhs.type && lhs.transactionID == rhs.transactionID && lhs.cookie == rhs.cookie
            && lhs.attributes == rhs.attributes
    }
}
