import NATWire

/// Why a STUN transaction produced no response.
public enum TransactionError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Every transmission went unanswered until the policy or the deadline gave up.
    case timedOut(server: TransportAddress, transmissions: Int, waitedMilliseconds: Int)
    /// The kernel refused to send (no route, address family unsupported, ...).
    case sendFailed(server: TransportAddress, reason: String)
    /// The transport was closed or the waiting task was cancelled.
    case cancelled
    /// A TCP or TLS connection to the server could not be made (refused, timed out).
    case connectFailed(server: TransportAddress, transport: String, reason: String)
    /// The TLS handshake failed (an untrusted certificate, a name that does not match, not TLS).
    case tlsFailed(server: TransportAddress, reason: String)

    public var description: String {
        switch self {
        case .timedOut(let server, let transmissions, let waited):
            "no answer from \(server) after \(transmissions) transmission\(transmissions == 1 ? "" : "s") in \(waited) ms"
        case .sendFailed(let server, let reason):
            "could not send to \(server): \(reason)"
        case .cancelled:
            "transaction cancelled"
        case .connectFailed(let server, let transport, let reason):
            "could not connect to \(server) over \(transport): \(reason)"
        case .tlsFailed(let server, let reason):
            "TLS with \(server) failed: \(reason)"
        }
    }
}

/// A response matched to its request.
public struct TransactionResponse: Sendable {
    /// The decoded response (success or error class).
    public var message: STUNMessage
    /// Where the response came from (differs from the server when CHANGE-REQUEST was honoured).
    public var source: TransportAddress
    /// Time from the transmission this response most likely answers to its arrival: from the first
    /// send when there was one transmission, from the last otherwise (Karn's rule makes earlier
    /// ones ambiguous).
    public var rtt: Duration
    /// How many times the request was sent.
    public var transmissions: Int

    /// The reflexive address the response reports (`STUNMessage.reflexiveAddress`).
    public var reflexiveAddress: TransportAddress? { message.reflexiveAddress }
}
