import NATWire

/// Which peer addresses a relay may send to. A relay that forwards anywhere would let any
/// user reach the server's own loopback services and private network, so by default the
/// ranges a public relay has no business reaching are refused (403), as RFC 8656 §21.3 urges.
public struct PeerAddressPolicy: Sendable {
    /// Loopback, private (RFC 1918, ULA), shared CGNAT space, link-local, multicast,
    /// "this network" and the unspecified addresses.
    public static let defaultDenied: [IPPrefix] = IPPrefix.nonPublic + ["224.0.0.0/4", "240.0.0.0/4", "ff00::/8"]

    public static let loopback: [IPPrefix] = ["127.0.0.0/8", "::1/128"]

    /// Refused unless also allowed.
    public var denied: [IPPrefix]
    /// Exceptions to `denied` (coturn's `--allowed-peer-ip`).
    public var allowed: [IPPrefix]

    public init(denied: [IPPrefix] = PeerAddressPolicy.defaultDenied, allowed: [IPPrefix] = []) {
        self.denied = denied
        self.allowed = allowed
    }

    /// Whether `ip` may be a peer at all.
    public func permits(_ ip: IPAddress) -> Bool {
        isAllowed(ip) || !denied.contains { $0.contains(ip) }
    }

    /// Whether `ip` is explicitly allowed (`--allowed-peer-ip`).
    public func isAllowed(_ ip: IPAddress) -> Bool { allowed.contains { $0.contains(ip) } }
}
