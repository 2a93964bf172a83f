/// PUNCH-CANDIDATE (natctl, docs/protocol.md): one address a peer may be reached at. One byte
/// kind, three reserved bytes, then the address in XOR-MAPPED-ADDRESS form (RFC 8489 §14.2).
public struct PunchCandidate: STUNAttributeValue, Hashable {
    /// Where the address comes from (RFC 8445 §5.1.1 names, plus natctl's prediction).
    public enum Kind: UInt8, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
        /// An address of one of the host's own interfaces.
        case host = 0
        /// The host's mapping as the rendezvous server saw it.
        case serverReflexive = 1
        /// An address on the TURN relay.
        case relayed = 2
        /// The port a sequential NAT will most likely give the host's next mapping.
        case predicted = 3
        /// A mapping the host's gateway granted by UPnP, NAT-PMP or PCP: open to anyone, so it
        /// works even against a peer whose NAT no punching beats.
        case portMapped = 4

        public var description: String {
            switch self {
            case .host: "host"
            case .serverReflexive: "srflx"
            case .relayed: "relay"
            case .predicted: "predicted"
            case .portMapped: "portmap"
            }
        }
    }

    public static let attributeType = STUNAttributeType.punchCandidate
    public var kind: Kind
    public var address: TransportAddress

    public init(_ kind: Kind, _ address: TransportAddress) {
        self.kind = kind
        self.address = address
    }

    public init(stunValue: ArraySlice<UInt8>, transactionID: TransactionID) throws(STUNDecodeError) {
        var reader = ByteReader(stunValue, place: "value")
        kind = try reader.readCode("kind", accepted: "is not a candidate kind (0-4)")
        _ = try reader.readBytes(3, "reserved")
        address = try AddressAttributeCodec.decode(stunValue.dropFirst(4), xorWith: transactionID)
    }

    public func stunValue(transactionID: TransactionID) -> [UInt8] {
        [kind.rawValue, 0, 0, 0] + AddressAttributeCodec.encode(address, xorWith: transactionID)
    }
}
