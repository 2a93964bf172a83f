import Libp2pWire

/// Why talking to a libp2p node failed, worded for a report.
public enum Libp2pError: Error, CustomStringConvertible, Sendable {
    case unsupportedAddress(String)
    /// A `/dns*` multiaddr whose name did not resolve (to the family it asks for).
    case nameNotResolved(String)
    case connectFailed(String)
    case timedOut(String)
    case closed(String)
    /// The node answered `na`: it does not speak the protocol.
    case refused(String)
    case malformed(Libp2pDecodeError)
    /// The Noise identity is not the one the multiaddr's /p2p names, or its signature is wrong.
    case wrongPeer(String)

    public var description: String {
        switch self {
        case .unsupportedAddress(let why): "unsupported address: \(why)"
        case .nameNotResolved(let why): "the name did not resolve: \(why)"
        case .connectFailed(let why): "could not connect: \(why)"
        case .timedOut(let doing): "no answer while \(doing)"
        case .closed(let doing): "the node closed the connection while \(doing)"
        case .refused(let proto): "the node does not speak \(proto)"
        case .malformed(let error): "malformed answer: \(error)"
        case .wrongPeer(let why): why
        }
    }

    /// The report's short code for it.
    public var code: String {
        switch self {
        case .unsupportedAddress: "bad-address"
        case .nameNotResolved: "name-not-resolved"
        case .connectFailed: "connect-failed"
        case .timedOut: "no-answer"
        case .closed: "closed"
        case .refused: "protocol-refused"
        case .malformed: "malformed"
        case .wrongPeer: "wrong-peer"
        }
    }
}
