/// The transports a dial-back can use, as IP protocol numbers.
public enum DialBackTransport: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case tcp = 6
    case udp = 17

    public var description: String { self == .udp ? "udp" : "tcp" }
}

/// DIAL-BACK-TARGET (natctl, docs/protocol.md): an address and transport the client asks the
/// server to dial. One byte transport (6 TCP, 17 UDP), three reserved bytes, then the address in
/// XOR-MAPPED-ADDRESS form. The server refuses any IP but the request's source IP.
public struct DialBackTarget: STUNAttributeValue, Hashable {
    public static let attributeType = STUNAttributeType.dialBackTarget
    public var transport: DialBackTransport
    public var address: TransportAddress

    public init(_ transport: DialBackTransport, _ address: TransportAddress) {
        self.transport = transport
        self.address = address
    }

    public init(stunValue: ArraySlice<UInt8>, transactionID: TransactionID) throws(STUNDecodeError) {
        var reader = ByteReader(stunValue, place: "value")
        transport = try reader.readCode("transport", accepted: "is neither TCP (6) nor UDP (17)")
        _ = try reader.readBytes(3, "reserved")
        self.address = try AddressAttributeCodec.decode(stunValue.dropFirst(4), xorWith: transactionID)
    }

    public func stunValue(transactionID: TransactionID) -> [UInt8] {
        [transport.rawValue, 0, 0, 0] + AddressAttributeCodec.encode(address, xorWith: transactionID)
    }
}

/// DIAL-BACK-NONCE (natctl): 8 to 32 opaque bytes the client chose; the server's dial carries
/// them back, so the client knows the packet came from this dial-back and no one else.
public struct DialBackNonce: STUNAttributeValue, Hashable {
    public static let attributeType = STUNAttributeType.dialBackNonce
    public var bytes: [UInt8]

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public static func random() -> DialBackNonce {
        var generator = SystemRandomNumberGenerator()
        return DialBackNonce((0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    public init(stunValue: ArraySlice<UInt8>, transactionID: TransactionID) throws(STUNDecodeError) {
        guard (8...32).contains(stunValue.count) else {
            throw STUNDecodeError(place: "value", reason: "is \(stunValue.count) bytes; a nonce has 8 to 32")
        }
        bytes = Array(stunValue)
    }

    public func stunValue(transactionID: TransactionID) -> [UInt8] { bytes }
}

/// DIAL-BACK-STATUS (natctl): in a DialBack response, what the server did for one target.
/// One byte transport, one byte status, two bytes port.
public struct DialBackStatus: STUNAttributeValue, Hashable {
    public enum Outcome: UInt8, Sendable, Hashable {
        /// UDP datagrams were sent; only the client can tell whether they arrived.
        case sent = 0
        /// The TCP handshake completed and the nonce was written.
        case connected = 1
        /// The TCP connection was refused (RST or ICMP unreachable).
        case refused = 2
        /// The TCP handshake did not complete in time: something dropped it.
        case timedOut = 3
    }

    public static let attributeType = STUNAttributeType.dialBackStatus
    public var transport: DialBackTransport
    public var outcome: Outcome
    public var port: UInt16

    public init(_ transport: DialBackTransport, port: UInt16, outcome: Outcome) {
        self.transport = transport
        self.port = port
        self.outcome = outcome
    }

    public init(stunValue: ArraySlice<UInt8>, transactionID: TransactionID) throws(STUNDecodeError) {
        try requireLength(stunValue, 4)
        var reader = ByteReader(stunValue, place: "value")
        transport = try reader.readCode("transport", accepted: "is neither TCP (6) nor UDP (17)")
        outcome = try reader.readCode("status", accepted: "is not a dial-back status (0-3)")
        self.port = try reader.readUInt16("port")
    }

    public func stunValue(transactionID: TransactionID) -> [UInt8] {
        var out = [transport.rawValue, outcome.rawValue]
        out.appendUInt16(port)
        return out
    }
}
