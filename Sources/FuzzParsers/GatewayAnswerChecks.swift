import FuzzSupport
import NATWire

/// NAT-PMP and PCP answers as a gateway (or anyone on the LAN) could send them: decoding never
/// traps, and what decodes is consistent with the bytes it came from.
enum GatewayAnswerChecks {
    static func run(_ bytes: [UInt8]) {
        if let message = try? NATPMPMessage.decode(bytes) {
            fuzzRequire(bytes.count >= 8 && bytes[0] == 0 && bytes[1] >= 128, "NAT-PMP accepted \(bytes.count) bytes with opcode \(bytes.count > 1 ? bytes[1] : 0)")
            if case .mapping(let result, _, _, _, _, _) = message, result == .success { fuzzRequire(bytes.count >= 16, "a NAT-PMP success mapping needs 16 bytes") }
        }
        if let answer = try? PCPResponse.decode(bytes) {
            fuzzRequire(bytes.count >= 24 && bytes[0] == 2 && bytes[1] & 0x80 != 0, "PCP accepted a non-answer")
            if answer.opcode == .map, answer.result == .success { fuzzRequire(answer.map?.nonce.count == 12, "a PCP success MAP without its nonce") }
        }
    }
}
