import NATWire

/// How a client reaches a STUN or TURN server: UDP, TCP (RFC 8489 §6.2.2) or TLS over TCP
/// (§6.2.3). Over TCP and TLS the relayed allocation is still UDP (RFC 8656 §3.1); only the
/// client's leg to the server changes, which is what gets through networks that block UDP.
public enum ServerTransport: Sendable, Equatable, CustomStringConvertible {
    case udp
    case tcp
    case tls(TLSClientOptions)

    /// `udp`, `tcp` or `tls`, as flags and reports name it.
    public var name: String {
        switch self {
        case .udp: "udp"
        case .tcp: "tcp"
        case .tls: "tls"
        }
    }

    /// The name reports use: `name`, or `tls-insecure` when the certificate goes unchecked.
    public var reportName: String {
        if case .tls(let options) = self, options.insecure { return "tls-insecure" }
        return name
    }

    public var description: String {
        if case .tls(let options) = self, options.insecure { return "tls (certificate not verified)" }
        return name
    }

    public var isStream: Bool { self != .udp }
}

/// How a TLS client checks the server.
public struct TLSClientOptions: Sendable, Equatable {
    /// A PEM file of the certificates that may sign the server's; nil trusts the system's.
    public var caFile: String?
    /// Accept any certificate: for labs with self-signed servers, and reported as such.
    public var insecure: Bool
    /// The name the certificate must carry (and the SNI sent); nil checks the server's IP
    /// address against the certificate's IP entries instead.
    public var serverName: String?

    public init(caFile: String? = nil, insecure: Bool = false, serverName: String? = nil) {
        self.caFile = caFile
        self.insecure = insecure
        self.serverName = serverName
    }
}
