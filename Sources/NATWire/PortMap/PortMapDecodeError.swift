/// Why a NAT-PMP or PCP datagram could not be read.
public enum PortMapDecodeError: Error, Equatable, Sendable, CustomStringConvertible {
    case tooShort(needed: Int, got: Int)
    case notAResponse(opcode: UInt8)
    case unknownVersion(UInt8)
    case unknownOpcode(UInt8)
    case badOption(String)

    public var description: String {
        switch self {
        case .tooShort(let needed, let got): "answer of \(got) bytes, at least \(needed) needed"
        case .notAResponse(let opcode): "opcode \(opcode) is a request, not an answer"
        case .unknownVersion(let version): "unknown version \(version) (NAT-PMP is 0, PCP is 2)"
        case .unknownOpcode(let opcode): "unknown opcode \(opcode)"
        case .badOption(let why): "malformed PCP option: \(why)"
        }
    }
}

/// Big-endian reads at fixed offsets, shared by the NAT-PMP and PCP codecs (their layouts are
/// fixed-size fields; writes use `appendUInt16`/`appendUInt32`).
enum PortMapBytes {
    static func u16(_ bytes: [UInt8], _ at: Int) -> UInt16 { UInt16(bytes[at]) << 8 | UInt16(bytes[at + 1]) }
    static func u32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3])
    }
}
