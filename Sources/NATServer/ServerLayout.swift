import NATWire

/// Which of the RFC 5780 server's four sockets: primary or alternate IP × primary or alternate port.
public struct SocketRole: Hashable, Sendable, CaseIterable, CustomStringConvertible {
    public var alternateIP: Bool
    public var alternatePort: Bool

    public init(alternateIP: Bool, alternatePort: Bool) {
        self.alternateIP = alternateIP
        self.alternatePort = alternatePort
    }

    public static let primary = SocketRole(alternateIP: false, alternatePort: false)
    public static let allCases: [SocketRole] = [
        .primary, SocketRole(alternateIP: false, alternatePort: true),
        SocketRole(alternateIP: true, alternatePort: false), SocketRole(alternateIP: true, alternatePort: true),
    ]

    /// The socket a CHANGE-REQUEST asks to answer from.
    public func changed(ip: Bool, port: Bool) -> SocketRole {
        SocketRole(alternateIP: alternateIP != ip, alternatePort: alternatePort != port)
    }

    public var description: String {
        "\(alternateIP ? "alternate" : "primary") IP, \(alternatePort ? "alternate" : "primary") port"
    }
}

/// The addresses a STUN server answers on: one, or with an alternate IP and port the four
/// combinations RFC 5780 §4.1 needs.
public struct ServerLayout: Hashable, Sendable {
    public var primary: TransportAddress
    /// Alternate IP and alternate port, when the server does RFC 5780.
    public var alternate: TransportAddress?

    public init(primary: TransportAddress, alternate: TransportAddress? = nil) {
        self.primary = primary
        self.alternate = alternate
    }

    /// The roles this layout has sockets for.
    public var roles: [SocketRole] { alternate == nil ? [.primary] : SocketRole.allCases }

    /// The transport address of the socket in `role`.
    public func address(of role: SocketRole) -> TransportAddress {
        guard let alternate else { return primary }
        return TransportAddress(
            ip: role.alternateIP ? alternate.ip : primary.ip, port: role.alternatePort ? alternate.port : primary.port)
    }

    /// All socket addresses, primary first.
    public var addresses: [TransportAddress] { roles.map(address(of:)) }
}
