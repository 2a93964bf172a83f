import Foundation
import NATWire

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
        if text.utf8.count == 64, let bytes = Hex.decode(text) {
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
    public var hex: String { Hex.encode(bytes) }
    /// The first 8 base64 characters and an ellipsis, enough to tell peers apart in a report.
    public var short: String { String(description.prefix(8)) + "…" }
    /// An all-zero preshared key means none (UAPI prints one for every peer).
    var isZero: Bool { bytes.allSatisfy { $0 == 0 } }
}
