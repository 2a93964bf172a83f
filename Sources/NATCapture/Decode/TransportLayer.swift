import NATWire

/// What the IP packet carries, decoded as far as the explanations need.
public enum TransportSegment: Sendable, Hashable {
    case udp(sourcePort: UInt16, destinationPort: UInt16, payload: [UInt8])
    case tcp(TCPSegment)
    case icmp(ICMPMessage)
    /// A non-first fragment: its bytes continue a datagram whose header came earlier.
    case fragmentContinuation
    /// A protocol natctl does not decode, or a header cut short by the snap length.
    case other(protocolNumber: UInt8)
}

/// A TCP segment (RFC 9293 §3.1): ports, flags, the sequence number and the data, so the
/// trace can tell "SYN sent, RST came back" and read the cleartext start of a libp2p connection.
public struct TCPSegment: Sendable, Hashable {
    public var sourcePort: UInt16
    public var destinationPort: UInt16
    public var flags: TCPFlags
    public var sequence: UInt32
    public var payload: [UInt8]

    public init(sourcePort: UInt16, destinationPort: UInt16, flags: TCPFlags, sequence: UInt32 = 0, payload: [UInt8] = []) {
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.flags = flags
        self.sequence = sequence
        self.payload = payload
    }
}

/// TCP's control flags (RFC 9293 §3.1), for "SYN sent, RST came back" style timelines.
public struct TCPFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let fin = TCPFlags(rawValue: 0x01)
    public static let syn = TCPFlags(rawValue: 0x02)
    public static let rst = TCPFlags(rawValue: 0x04)
    public static let psh = TCPFlags(rawValue: 0x08)
    public static let ack = TCPFlags(rawValue: 0x10)

    public var names: String {
        let all: [(TCPFlags, String)] = [(.syn, "SYN"), (.fin, "FIN"), (.rst, "RST"), (.psh, "PSH"), (.ack, "ACK")]
        return all.filter { contains($0.0) }.map(\.1).joined(separator: ",")
    }
}

/// An ICMP or ICMPv6 message; for errors, the offending packet's headers it quotes
/// (RFC 792, RFC 4443 §2.4: as much of the original as fits).
public struct ICMPMessage: Sendable, Hashable {
    public var isV6: Bool
    public var type: UInt8
    public var code: UInt8
    /// Fragmentation needed (v4 type 3 code 4) and Packet Too Big (v6 type 2) carry the next-hop MTU.
    public var mtu: Int?
    public var quoted: QuotedDatagram?

    public enum Kind: String, Sendable, Codable {
        case portUnreachable = "port_unreachable"
        case hostUnreachable = "host_unreachable"
        case networkUnreachable = "network_unreachable"
        case administrativelyProhibited = "administratively_prohibited"
        case fragmentationNeeded = "fragmentation_needed"
        case timeExceeded = "time_exceeded"
        case otherError = "other_error"
        case informational
    }

    public var kind: Kind {
        switch (isV6, type, code) {
        case (false, 3, 3), (true, 1, 4): .portUnreachable
        case (false, 3, 1), (false, 3, 7), (true, 1, 3): .hostUnreachable
        case (false, 3, 0), (false, 3, 6), (true, 1, 0): .networkUnreachable
        case (false, 3, 9), (false, 3, 10), (false, 3, 13), (true, 1, 1), (true, 1, 5), (true, 1, 6): .administrativelyProhibited
        case (false, 3, 4), (true, 2, _): .fragmentationNeeded
        case (false, 11, _), (true, 3, _): .timeExceeded
        case (false, 3, _), (false, 12, _), (true, 1, _), (true, 4, _): .otherError
        default: .informational
        }
    }

    /// Plain words for the error, e.g. "port unreachable".
    public var meaning: String {
        switch kind {
        case .portUnreachable: "port unreachable"
        case .hostUnreachable: "host unreachable"
        case .networkUnreachable: "network unreachable"
        case .administrativelyProhibited: "administratively prohibited"
        case .fragmentationNeeded: mtu.map { "packet too big (next-hop MTU \($0))" } ?? "packet too big"
        case .timeExceeded where code == 1: "fragment reassembly time exceeded (fragments were lost)"
        case .timeExceeded: "time exceeded (TTL ran out)"
        case .otherError: "error type \(type) code \(code)"
        case .informational: isV6 ? (type == 128 ? "echo request" : type == 129 ? "echo reply" : "type \(type)") : (type == 8 ? "echo request" : type == 0 ? "echo reply" : "type \(type)")
        }
    }
}

/// The start of the packet an ICMP error is about: enough to match it back to the probe.
public struct QuotedDatagram: Sendable, Hashable {
    public var source: IPAddress
    public var destination: IPAddress
    public var protocolNumber: UInt8
    public var sourcePort: UInt16?
    public var destinationPort: UInt16?
}

enum TransportLayer {
    static func parse(_ header: IPHeader, _ bytes: ArraySlice<UInt8>) -> TransportSegment {
        if let fragment = header.fragment, fragment.offset > 0 { return .fragmentContinuation }
        switch header.protocolNumber {
        case 17:
            guard let source = bytes.u16(0), let destination = bytes.u16(2), let length = bytes.u16(4) else { return .other(protocolNumber: 17) }
            // A fragmented datagram's length covers all fragments; keep what this one holds.
            let end = header.fragment == nil ? min(Int(length), bytes.count) : bytes.count
            return .udp(sourcePort: source, destinationPort: destination, payload: Array(bytes.prefix(max(end, 8)).suffix(fromOffset: 8)))
        case 6:
            guard let source = bytes.u16(0), let destination = bytes.u16(2), let sequence = bytes.u32(4), let offset = bytes.byte(12),
                let flags = bytes.byte(13)
            else { return .other(protocolNumber: 6) }
            // The data follows the header and its options (data offset, in 32-bit words).
            let payload = header.fragment == nil ? Array(bytes.suffix(fromOffset: max(20, Int(offset >> 4) * 4))) : []
            return .tcp(TCPSegment(sourcePort: source, destinationPort: destination, flags: TCPFlags(rawValue: flags), sequence: sequence, payload: payload))
        case 1, 58:
            guard let type = bytes.byte(0), let code = bytes.byte(1) else { return .other(protocolNumber: header.protocolNumber) }
            var message = ICMPMessage(isV6: header.protocolNumber == 58, type: type, code: code)
            if message.kind != .informational {
                message.quoted = quoted(bytes.suffix(fromOffset: 8))
                if message.kind == .fragmentationNeeded {
                    // Pre-RFC 1191 routers send 0: unknown, not zero.
                    message.mtu = (message.isV6 ? bytes.u32(4).map(Int.init) : bytes.u16(6).map(Int.init)).flatMap { $0 > 0 ? $0 : nil }
                }
            }
            return .icmp(message)
        default:
            return .other(protocolNumber: header.protocolNumber)
        }
    }

    /// Parses the quoted header leniently: ICMP quotes may be shorter than the packet's stated length.
    private static func quoted(_ bytes: ArraySlice<UInt8>) -> QuotedDatagram? {
        guard let version = bytes.byte(0).map({ $0 >> 4 }) else { return nil }
        let headerLength: Int
        let source: IPAddress?
        let destination: IPAddress?
        let proto: UInt8?
        if version == 4 {
            headerLength = Int((bytes.byte(0) ?? 0) & 0x0F) * 4
            source = bytes.bytes(12, 4).flatMap(IPAddress.init(bytes:))
            destination = bytes.bytes(16, 4).flatMap(IPAddress.init(bytes:))
            proto = bytes.byte(9)
        } else if version == 6 {
            headerLength = 40
            source = bytes.bytes(8, 16).flatMap(IPAddress.init(bytes:))
            destination = bytes.bytes(24, 16).flatMap(IPAddress.init(bytes:))
            proto = bytes.byte(6)
        } else {
            return nil
        }
        guard let source, let destination, let proto, headerLength >= 20 else { return nil }
        let ports = proto == 17 || proto == 6
        return QuotedDatagram(
            source: source, destination: destination, protocolNumber: proto,
            sourcePort: ports ? bytes.u16(headerLength) : nil, destinationPort: ports ? bytes.u16(headerLength + 2) : nil)
    }
}
