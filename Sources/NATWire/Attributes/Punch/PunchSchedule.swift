/// PUNCH-SCHEDULE (natctl): in a Rendezvous response or indication, whether the peer has come,
/// this side's ICE role, and in how many milliseconds to send the first check so both sides'
/// first packets cross (DCUtR's RTT/2 synchronisation). One byte status, one byte role,
/// two reserved bytes, four bytes start-in.
public struct PunchSchedule: STUNAttributeValue, Hashable {
    public enum Status: UInt8, Sendable, Hashable {
        case waiting = 0
        case paired = 1
    }

    public static let attributeType = STUNAttributeType.punchSchedule
    public var status: Status
    public var controlling: Bool
    public var startInMilliseconds: UInt32

    public init(_ status: Status, controlling: Bool = false, startInMilliseconds: UInt32 = 0) {
        self.status = status
        self.controlling = controlling
        self.startInMilliseconds = startInMilliseconds
    }

    public init(stunValue: ArraySlice<UInt8>, transactionID: TransactionID) throws(STUNDecodeError) {
        try requireLength(stunValue, 8)
        var reader = ByteReader(stunValue, place: "value")
        status = try reader.readCode("status", accepted: "is neither waiting (0) nor paired (1)")
        let role = try reader.readUInt8("role")
        guard role <= 1 else { throw STUNDecodeError(place: "field role", reason: "\(role) is neither controlling (0) nor controlled (1)") }
        _ = try reader.readUInt16("reserved")
        controlling = role == 0
        startInMilliseconds = try reader.readUInt32("start-in")
    }

    public func stunValue(transactionID: TransactionID) -> [UInt8] {
        var out: [UInt8] = [status.rawValue, controlling ? 0 : 1, 0, 0]
        out.appendUInt32(startInMilliseconds)
        return out
    }
}

/// PUNCH-SERVER-RTT (natctl, comprehension-optional): the client's round-trip time to the
/// server in milliseconds, which the server uses to time both peers' start.
public struct PunchServerRTT: IntegerAttribute, Hashable {
    public static let attributeType = STUNAttributeType.punchServerRTT
    public var value: UInt32
    public var milliseconds: UInt32 { value }

    public init(_ value: UInt32) { self.value = value }
    public init(milliseconds: UInt32) { value = milliseconds }
}
