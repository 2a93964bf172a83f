import NATWire
import NIOCore

extension TransportAddress {
    /// The NIO socket address for this endpoint.
    public var socketAddress: SocketAddress {
        get throws { try SocketAddress(ipAddress: ip.description, port: Int(port)) }
    }

    /// Converts a NIO socket address; nil for Unix-domain addresses or missing ports.
    public init?(_ address: SocketAddress) {
        guard let text = address.ipAddress, let port = address.port, let ip = IPAddress(text) else { return nil }
        self.init(ip: ip, port: UInt16(port))
    }
}
