import Foundation

/// A WireGuard public (or preshared) key: 32 bytes, written base64 by `wg` and users, hex by
/// the UAPI protocol.
public struct WireGuardKey: Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init?(bytes: [UInt8]) {
        guard bytes.count == 32 else { return nil }
        self.bytes = bytes
    }

    /// Parses base64 (44 characters, as `wg pubkey` prints) or hex (64 characters, as UAPI).
    public init?(_ text: String) {
        if text.count == 64, let bytes = Self.hexBytes(text) {
            self.init(bytes: bytes)
        } else if text.count == 44, let data = Data(base64Encoded: text) {
            self.init(bytes: Array(data))
        } else {
            return nil
        }
    }

    /// Base64, the form users copy between hosts.
    public var description: String { Data(bytes).base64EncodedString() }
    /// The UAPI form: lowercase hex.
    public var hex: String { bytes.map { String(format: "%02x", $0) }.joined() }
    /// The first 8 base64 characters and an ellipsis, enough to tell peers apart in a report.
    public var short: String { String(description.prefix(8)) + "…" }
    /// An all-zero preshared key means none (UAPI prints one for every peer).
    var isZero: Bool { bytes.allSatisfy { $0 == 0 } }

    private static func hexBytes(_ text: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        var high: UInt8?
        for character in text.utf8 {
            let nibble: UInt8
            switch character {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = character - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = character - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = character - UInt8(ascii: "A") + 10
            default: return nil
            }
            if let first = high {
                bytes.append(first << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        return bytes
    }
}
