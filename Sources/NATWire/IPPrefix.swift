/// An address range in CIDR form (`10.0.0.0/8`, `fc00::/7`), or a single address.
public struct IPPrefix: Hashable, Sendable, CustomStringConvertible {
    public var address: IPAddress
    public var length: Int

    public init(_ address: IPAddress, length: Int) {
        self.address = address
        self.length = min(max(0, length), address.bytes.count * 8)
    }

    /// Parses `ip` or `ip/len`; nil when either part is malformed or empty (`""`, `"/"`,
    /// `"10.0.0.0/"`: empty parts are kept so they are refused, not skipped), and when the length
    /// is anything but decimal digits.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard let first = parts.first, let ip = IPAddress(first) else { return nil }
        if parts.count == 2 {
            guard parts[1].utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
                let length = Int(parts[1]), (0...ip.bytes.count * 8).contains(length)
            else { return nil }
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

extension IPPrefix {
    /// RFC 6598 shared space, between a carrier-grade NAT and its customers.
    public static let carrierShared: IPPrefix = "100.64.0.0/10"

    /// Unicast ranges the internet cannot reach: "this network", private (RFC 1918), carrier
    /// shared space, loopback, link-local, unspecified, and their IPv6 kin (ULA, link-local).
    /// Documentation ranges count as public: the lab's "internet" uses them. A gateway mapping
    /// on one is useless; a public relay refuses them as peers (with multicast).
    public static let nonPublic: [IPPrefix] = [
        "0.0.0.0/8", "10.0.0.0/8", carrierShared, "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16",
        "::/128", "::1/128", "fc00::/7", "fe80::/10",
    ]
}

extension IPPrefix: ExpressibleByStringLiteral {
    /// For constant tables only; traps on a malformed literal.
    public init(stringLiteral value: String) {
        guard let prefix = IPPrefix(value) else { preconditionFailure("bad prefix literal \(value)") }
        self = prefix
    }
}
