/// PUNCH-MAPPING (natctl): what the peer learned about its own NAT's mapping before
/// registering. One byte behaviour, one reserved byte, then the signed port step between
/// consecutive mappings (0 when not sequential).
public struct PunchMapping: STUNAttributeValue, Hashable {
    public enum Behaviour: UInt8, Sendable, Hashable, Codable, CustomStringConvertible {
        case unknown = 0
        /// One mapping for every destination (RFC 4787 EIM), or no NAT at all.
        case endpointIndependent = 1
        /// A new mapping per destination, ports in steps of `step`: predictable.
        case sequential = 2
        /// A new mapping per destination at a random port.
        case random = 3
        /// UDP to the server got no answer: this side came over TCP, and can only be relayed.
        case udpBlocked = 4

        public var description: String {
            switch self {
            case .unknown: "unknown"
            case .endpointIndependent: "endpoint-independent"
            case .sequential: "sequential"
            case .random: "random"
            case .udpBlocked: "udp-blocked"
            }
        }
    }

    public static let attributeType = STUNAttributeType.punchMapping
    public var behaviour: Behaviour
    public var step: Int16

    public init(_ behaviour: Behaviour, step: Int16 = 0) {
        self.behaviour = behaviour
        self.step = step
    }

    public init(stunValue: ArraySlice<UInt8>, transactionID: TransactionID) throws(STUNDecodeError) {
        try requireLength(stunValue, 4)
        var reader = ByteReader(stunValue, place: "value")
        behaviour = try reader.readCode("behaviour", accepted: "is not a mapping behaviour (0-4)")
        _ = try reader.readUInt8("reserved")
        step = Int16(bitPattern: try reader.readUInt16("step"))
    }

    public func stunValue(transactionID: TransactionID) -> [UInt8] {
        var out: [UInt8] = [behaviour.rawValue, 0]
        out.appendUInt16(UInt16(bitPattern: step))
        return out
    }
}
