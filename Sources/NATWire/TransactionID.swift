/// The 96-bit transaction ID (RFC 8489 §6) that ties a response to its request.
public struct TransactionID: Hashable, Sendable, CustomStringConvertible {
    /// Exactly 12 bytes.
    public let bytes: [UInt8]

    /// Wraps 12 bytes; returns nil for any other length.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 12 else { return nil }
        self.bytes = Array(bytes)
    }

    /// A fresh cryptographically random ID, as RFC 8489 §6 requires for requests.
    public static func random() -> TransactionID {
        var generator = SystemRandomNumberGenerator()
        return TransactionID(unchecked: (0..<12).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    init(unchecked bytes: [UInt8]) { self.bytes = bytes }

    public var description: String { Hex.encode(bytes) }
}

extension String {
    package func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
