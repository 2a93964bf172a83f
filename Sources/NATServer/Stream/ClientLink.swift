import NATWire

/// Where a TURN client's messages come from and its answers go: a source address on the UDP
/// listening socket, or a TCP or TLS connection (which is then the client's 5-tuple).
enum ClientLink {
    case datagram(RawSocketAddress)
    case stream(StreamClient)

    /// The key of the client's allocation: its socket address, or the connection's own key.
    var key: RawSocketAddress {
        switch self {
        case .datagram(let source): source
        case .stream(let connection): connection.key
        }
    }

    /// The client's address as seen from here.
    var address: TransportAddress {
        switch self {
        case .datagram(let source): source.transportAddress
        case .stream(let connection): connection.remote
        }
    }
}
