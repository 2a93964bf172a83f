import NATWire

/// An address range in CIDR form (`10.0.0.0/8`, `fc00::/7`), or a single address.
public struct IPPrefix: Hashable, Sendable, CustomStringConvertible {
    public var address: IPAddress
    public var length: Int

    public init(_ address: IPAddress, length: Int) {
        self.address = address
        self.length = min(max(0, length), address.bytes.count * 8)
    }

    /// Parses `ip` or `ip/len`; nil when either part is malformed.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
        guard let ip = IPAddress(parts[0]) else { return nil }
        if parts.count == 2 {
            guard let length = Int(parts[1]), (0...ip.bytes.count * 8).contains(length) else { return nil }
            self.init(ip, length: length)
        } else {
            self.init(ip, length: ip.bytes.count * 8)
        }
    }

    public func contains(_ ip: IPAddress) -> Bool {
        guard ip.family == address.family else { return false }
        var remaining = length
        for (a, b) in zip(address.bytes, ip.bytes) where remaining > 0 {
            let bits = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
            if a & mask != b & mask { return false }
            remaining -= bits
        }
        return true
    }

    public var description: String { "\(address)/\(length)" }
}

/// Which peer addresses a relay may send to. A relay that forwards anywhere would let any
/// user reach the server's own loopback services and private network, so by default the
/// ranges a public relay has no business reaching are refused (403), as RFC 8656 §21.3 urges.
public struct PeerAddressPolicy: Sendable {
    /// Loopback, private (RFC 1918, ULA), shared CGNAT space, link-local, multicast,
    /// "this network" and the unspecified addresses.
    public static let defaultDenied: [IPPrefix] = [
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
        "192.168.0.0/16", "224.0.0.0/4", "240.0.0.0/4", "::/128", "::1/128", "fc00::/7", "fe80::/10", "ff00::/8",
    ]

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

extension IPPrefix: ExpressibleByStringLiteral {
    /// For constant tables only; traps on a malformed literal.
    public init(stringLiteral value: String) {
        guard let prefix = IPPrefix(value) else { preconditionFailure("bad prefix literal \(value)") }
        self = prefix
    }
}
