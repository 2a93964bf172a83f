/// PUNCH-SEQUENCE (natctl): in a PunchData indication, what the datagram is, its number, and
/// how many of the other side's proof datagrams the sender has received so far. One byte
/// kind, three reserved bytes, four bytes sequence, four bytes received.
public struct PunchSequence: STUNAttributeValue, Hashable {
    public enum Kind: UInt8, Sendable, Hashable {
        /// One of the N datagrams that prove the path.
        case proof = 0
        /// "I have sent all mine; here is how many of yours arrived", repeated until answered.
        case summary = 1
        /// Application bytes (`--stdio`).
        case stream = 2
        /// The sender is leaving (stdin closed or it was stopped).
        case bye = 3
    }

    public static let attributeType = STUNAttributeType.punchSequence
    public var kind: Kind
    public var sequence: UInt32
    public var received: UInt32

    public init(_ kind: Kind, sequence: UInt32, received: UInt32) {
        self.kind = kind
        self.sequence = sequence
        self.received = received
    }

    public init(stunValue: ArraySlice<UInt8>, transactionID: TransactionID) throws(STUNDecodeError) {
        try requireLength(stunValue, 12)
        var reader = ByteReader(stunValue, place: "value")
        kind = try reader.readCode("kind", accepted: "is not a data kind (0-3)")
        _ = try reader.readBytes(3, "reserved")
        sequence = try reader.readUInt32("sequence")
        received = try reader.readUInt32("received")
    }

    public func stunValue(transactionID: TransactionID) -> [UInt8] {
        var out: [UInt8] = [kind.rawValue, 0, 0, 0]
        out.appendUInt32(sequence)
        out.appendUInt32(received)
        return out
    }
}
