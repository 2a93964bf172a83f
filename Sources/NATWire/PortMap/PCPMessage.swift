/// PCP (RFC 6887) version 2 requests and answers on the gateway's UDP port 5351: MAP (§11) and
/// ANNOUNCE (§14.1). Addresses travel as 16 bytes, IPv4 as IPv4-mapped IPv6 (§5).
public struct PCPResponse: Equatable, Sendable {
    public var opcode: PCPOpcode
    public var result: PCPResult
    /// Seconds granted (MAP), or how long an error holds (§7.4).
    public var lifetimeSeconds: UInt32
    /// The server's epoch: a smaller value than last time means it lost its state (§8.5).
    public var epoch: UInt32
    /// MAP only: the request's nonce, protocol, internal port and what the gateway assigned.
    public var map: Map?

    public struct Map: Equatable, Sendable {
        public var nonce: [UInt8]
        public var protocolNumber: UInt8
        public var internalPort: UInt16
        public var externalPort: UInt16
        public var externalAddress: IPAddress
    }

    static let headerLength = 24
    static let mapLength = 36

    /// Reads an answer; options after the opcode payload are skipped (they only refine requests
    /// natctl does not make), but must be well-formed.
    public static func decode(_ bytes: [UInt8]) throws(PortMapDecodeError) -> PCPResponse {
        guard bytes.count >= 4 else { throw .tooShort(needed: 4, got: bytes.count) }
        guard bytes[0] == 2 else { throw .unknownVersion(bytes[0]) }
        guard bytes[1] & 0x80 != 0 else { throw .notAResponse(opcode: bytes[1]) }
        guard bytes.count >= headerLength else { throw .tooShort(needed: headerLength, got: bytes.count) }
        guard let opcode = PCPOpcode(rawValue: bytes[1] & 0x7F) else { throw .unknownOpcode(bytes[1] & 0x7F) }
        var response = PCPResponse(
            opcode: opcode, result: PCPResult(code: bytes[3]), lifetimeSeconds: PortMapBytes.u32(bytes, 4), epoch: PortMapBytes.u32(bytes, 8), map: nil)
        var offset = headerLength
        if opcode == .map {
            // Error answers may be cut short after the header (§7.2 lets a server answer what it could read).
            guard bytes.count >= headerLength + mapLength else {
                if response.result != .success { return response }
                throw .tooShort(needed: headerLength + mapLength, got: bytes.count)
            }
            guard let external = PCPAddress.decode(Array(bytes[offset + 20..<offset + 36])) else { throw .tooShort(needed: 16, got: 0) }
            response.map = Map(
                nonce: Array(bytes[offset..<offset + 12]), protocolNumber: bytes[offset + 12], internalPort: PortMapBytes.u16(bytes, offset + 16),
                externalPort: PortMapBytes.u16(bytes, offset + 18), externalAddress: external)
            offset += mapLength
        }
        while offset < bytes.count {
            guard bytes.count - offset >= 4 else { throw .badOption("\(bytes.count - offset) stray bytes after the options") }
            let length = Int(PortMapBytes.u16(bytes, offset + 2))
            let padded = (length + 3) & ~3
            guard bytes.count - offset - 4 >= padded else { throw .badOption("option \(bytes[offset]) claims \(length) bytes, \(bytes.count - offset - 4) left") }
            offset += 4 + padded
        }
        return response
    }
}

/// The PCP requests natctl sends.
public enum PCPRequest {
    public static let version: UInt8 = 2

    /// ANNOUNCE (§14.1): lifetime 0, no payload. A PCP server answers SUCCESS, which is how
    /// `probe` learns that PCP is there without asking for anything.
    public static func announce(client: IPAddress) -> [UInt8] {
        header(opcode: .announce, lifetimeSeconds: 0, client: client)
    }

    /// MAP (§11.1). Lifetime 0 deletes the mapping named by nonce, protocol and internal port.
    /// `suggestedExternalAddress` nil asks for any address of the client's family.
    public static func map(
        client: IPAddress, nonce: [UInt8], transport: MappedTransport, internalPort: UInt16, suggestedExternalPort: UInt16,
        suggestedExternalAddress: IPAddress? = nil, lifetimeSeconds: UInt32
    ) -> [UInt8] {
        var bytes = header(opcode: .map, lifetimeSeconds: lifetimeSeconds, client: client)
        bytes += nonce.prefix(12) + [UInt8](repeating: 0, count: max(0, 12 - nonce.count))
        bytes += [transport.ipProtocolNumber, 0, 0, 0]
        bytes.appendUInt16(internalPort)
        bytes.appendUInt16(suggestedExternalPort)
        bytes += PCPAddress.encode(suggestedExternalAddress ?? IPAddress.unspecified(client.family))
        return bytes
    }

    private static func header(opcode: PCPOpcode, lifetimeSeconds: UInt32, client: IPAddress) -> [UInt8] {
        var bytes: [UInt8] = [version, opcode.rawValue, 0, 0]
        bytes.appendUInt32(lifetimeSeconds)
        bytes += PCPAddress.encode(client)
        return bytes
    }
}

public enum PCPOpcode: UInt8, Sendable {
    case announce = 0, map = 1, peer = 2
}

/// IPv4 as `::ffff:a.b.c.d` (RFC 6887 §5); an IPv4-mapped all-zeros is "any IPv4".
enum PCPAddress {
    static func encode(_ ip: IPAddress) -> [UInt8] {
        ip.family == .ipv6 ? ip.bytes : [UInt8](repeating: 0, count: 10) + [0xFF, 0xFF] + ip.bytes
    }

    static func decode(_ bytes: [UInt8]) -> IPAddress? {
        guard bytes.count == 16 else { return nil }
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF { return IPAddress(bytes: bytes[12..<16]) }
        return IPAddress(bytes: bytes)
    }
}

/// PCP result codes (RFC 6887 §7.4), by name.
public struct PCPResult: Equatable, Sendable, CustomStringConvertible {
    public var code: UInt8

    public init(code: UInt8) { self.code = code }

    public static let success = PCPResult(code: 0)
    public static let unsupportedVersion = PCPResult(code: 1)

    static let names = [
        "SUCCESS", "UNSUPP_VERSION", "NOT_AUTHORIZED", "MALFORMED_REQUEST", "UNSUPP_OPCODE", "UNSUPP_OPTION", "MALFORMED_OPTION",
        "NETWORK_FAILURE", "NO_RESOURCES", "UNSUPP_PROTOCOL", "USER_EX_QUOTA", "CANNOT_PROVIDE_EXTERNAL", "ADDRESS_MISMATCH",
        "EXCESSIVE_REMOTE_PEERS",
    ]

    public var name: String { Int(code) < Self.names.count ? Self.names[Int(code)] : "RESULT_\(code)" }

    /// Whether asking again later may work (§7.4: "short lifetime errors").
    public var isTransient: Bool { [7, 8, 10].contains(code) }

    public var description: String { "\(code) \(name)" }
}
