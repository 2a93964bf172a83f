/// NAT-PMP (RFC 6886) requests and answers: version 0, on the gateway's UDP port 5351.
public enum NATPMPMessage: Equatable, Sendable {
    /// Opcode 128: the gateway's external IPv4 address.
    case externalAddress(result: NATPMPResult, epoch: UInt32, address: IPAddress?)
    /// Opcodes 129 (UDP) and 130 (TCP): a mapping granted, renewed or deleted.
    case mapping(result: NATPMPResult, epoch: UInt32, transport: MappedTransport, internalPort: UInt16, externalPort: UInt16, lifetimeSeconds: UInt32)

    public static let port: UInt16 = 5351

    /// "What is your external address?" (§3.2): two bytes.
    public static func externalAddressRequest() -> [UInt8] { [0, 0] }

    /// A mapping request (§3.3); lifetime 0 with external port 0 deletes the host's mapping of `internalPort`.
    public static func mapRequest(transport: MappedTransport, internalPort: UInt16, suggestedExternalPort: UInt16, lifetimeSeconds: UInt32) -> [UInt8] {
        var bytes: [UInt8] = [0, transport == .udp ? 1 : 2, 0, 0]
        bytes.appendUInt16(internalPort)
        bytes.appendUInt16(suggestedExternalPort)
        bytes.appendUInt32(lifetimeSeconds)
        return bytes
    }

    public var result: NATPMPResult {
        switch self {
        case .externalAddress(let result, _, _), .mapping(let result, _, _, _, _, _): result
        }
    }

    /// Reads an answer. An error answer may stop after the 8-byte header (a gateway refusing a
    /// version answers that short), so only success answers must carry the whole body.
    public static func decode(_ bytes: [UInt8]) throws(PortMapDecodeError) -> NATPMPMessage {
        guard bytes.count >= 8 else { throw .tooShort(needed: 8, got: bytes.count) }
        guard bytes[0] == 0 else { throw .unknownVersion(bytes[0]) }
        guard bytes[1] >= 128 else { throw .notAResponse(opcode: bytes[1]) }
        let result = NATPMPResult(code: PortMapBytes.u16(bytes, 2))
        let epoch = PortMapBytes.u32(bytes, 4)
        switch bytes[1] {
        case 128:
            guard bytes.count >= 12 else {
                if result != .success { return .externalAddress(result: result, epoch: epoch, address: nil) }
                throw .tooShort(needed: 12, got: bytes.count)
            }
            return .externalAddress(result: result, epoch: epoch, address: result == .success ? IPAddress(bytes: bytes[8..<12]) : nil)
        case 129, 130:
            let transport: MappedTransport = bytes[1] == 129 ? .udp : .tcp
            guard bytes.count >= 16 else {
                if result != .success { return .mapping(result: result, epoch: epoch, transport: transport, internalPort: 0, externalPort: 0, lifetimeSeconds: 0) }
                throw .tooShort(needed: 16, got: bytes.count)
            }
            return .mapping(
                result: result, epoch: epoch, transport: transport, internalPort: PortMapBytes.u16(bytes, 8), externalPort: PortMapBytes.u16(bytes, 10),
                lifetimeSeconds: PortMapBytes.u32(bytes, 12))
        default:
            throw .unknownOpcode(bytes[1])
        }
    }
}

/// NAT-PMP result codes (RFC 6886 §3.5), by name.
public struct NATPMPResult: Equatable, Sendable, CustomStringConvertible {
    public var code: UInt16

    public init(code: UInt16) { self.code = code }

    public static let success = NATPMPResult(code: 0)
    public static let unsupportedVersion = NATPMPResult(code: 1)
    public static let networkFailure = NATPMPResult(code: 3)

    public var name: String {
        switch code {
        case 0: "SUCCESS"
        case 1: "UNSUPPORTED_VERSION"
        case 2: "NOT_AUTHORIZED"
        case 3: "NETWORK_FAILURE"
        case 4: "OUT_OF_RESOURCES"
        case 5: "UNSUPPORTED_OPCODE"
        default: "RESULT_\(code)"
        }
    }

    public var description: String { "\(code) \(name)" }
}
