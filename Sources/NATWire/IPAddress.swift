#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address as raw network-order bytes; NATWire's own type so the codec
/// needs no socket library.
public struct IPAddress: Hashable, Sendable, CustomStringConvertible, Comparable {
    /// 4 bytes for IPv4, 16 for IPv6.
    public let bytes: [UInt8]

    public enum Family: String, Sendable, Codable, CaseIterable {
        case ipv4, ipv6
    }

    /// Wraps 4 or 16 bytes; nil for any other length.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = Array(bytes)
    }

    /// Parses dotted-quad IPv4 or RFC 5952 IPv6 text (no brackets, no zone).
    public init?(_ text: String) {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            self.bytes = withUnsafeBytes(of: &v4) { Array($0) }
            return
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            self.bytes = withUnsafeBytes(of: &v6) { Array($0) }
            return
        }
        return nil
    }

    public var family: Family { bytes.count == 4 ? .ipv4 : .ipv6 }

    /// 0.0.0.0 or ::, the wildcard a listener binds to.
    public var isUnspecified: Bool { bytes.allSatisfy { $0 == 0 } }

    /// The address in a `sockaddr` of family AF_INET or AF_INET6 (getaddrinfo, getifaddrs,
    /// getsockname); nil for other families.
    public init?(socketAddress address: UnsafePointer<sockaddr>) {
        switch Int32(address.pointee.sa_family) {
        case AF_INET:
            guard let ip = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1, { v4 in withUnsafeBytes(of: v4.pointee.sin_addr) { IPAddress(bytes: $0) } }) else { return nil }
            self = ip
        case AF_INET6:
            guard let ip = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1, { v6 in withUnsafeBytes(of: v6.pointee.sin6_addr) { IPAddress(bytes: $0) } }) else { return nil }
            self = ip
        default:
            return nil
        }
    }

    /// The wildcard address of a family (`0.0.0.0`, `::`), to bind "any interface".
    public static func unspecified(_ family: Family) -> IPAddress {
        IPAddress(unchecked: [UInt8](repeating: 0, count: family == .ipv4 ? 4 : 16))
    }

    private init(unchecked bytes: [UInt8]) { self.bytes = bytes }

    /// Canonical text: dotted quad, or compressed lowercase IPv6.
    public var description: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let af = family == .ipv4 ? AF_INET : AF_INET6
        let ok = bytes.withUnsafeBytes { raw in inet_ntop(af, raw.baseAddress, &buffer, socklen_t(buffer.count)) }
        guard ok != nil else { return bytes.map(String.init).joined(separator: ".") }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public static func < (lhs: IPAddress, rhs: IPAddress) -> Bool {
        lhs.bytes.count != rhs.bytes.count ? lhs.bytes.count < rhs.bytes.count : lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }

}

/// An IP address and UDP/TCP port, printed `ip:port` or `[v6]:port` as natctl names every endpoint.
public struct TransportAddress: Hashable, Sendable, CustomStringConvertible, Comparable {
    public var ip: IPAddress
    public var port: UInt16

    public init(ip: IPAddress, port: UInt16) {
        self.ip = ip
        self.port = port
    }

    /// Parses `1.2.3.4:3478` or `[2001:db8::1]:3478`; nil when it is not a literal endpoint.
    public init?(_ text: String) {
        guard let (host, port) = Self.splitHostPort(text), let ip = IPAddress(host) else { return nil }
        self.init(ip: ip, port: port)
    }

    public var description: String {
        ip.family == .ipv6 ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }

    public static func < (lhs: TransportAddress, rhs: TransportAddress) -> Bool {
        lhs.ip != rhs.ip ? lhs.ip < rhs.ip : lhs.port < rhs.port
    }

    /// Splits `host:port` or `[v6host]:port`. A bare IPv6 literal without brackets is rejected
    /// because its last group would be read as a port; an empty host, bracketed or not, too
    /// (`[]:3478` would otherwise reach the resolver as "").
    public static func splitHostPort(_ text: String) -> (host: String, port: UInt16)? {
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            let host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            guard !host.isEmpty, rest.hasPrefix(":"), let port = UInt16(rest.dropFirst()) else { return nil }
            return (host, port)
        }
        guard let colon = text.lastIndex(of: ":"), text.firstIndex(of: ":") == colon,
            let port = UInt16(text[text.index(after: colon)...])
        else { return nil }
        let host = String(text[..<colon])
        return host.isEmpty ? nil : (host, port)
    }
}

extension IPAddress {
    /// The part of the address one subscriber controls: the IPv4 address itself, or the /64 of
    /// an IPv6 address (RFC 6177: one host typically owns a whole /64 and can pick any address
    /// in it). Per-source limits key on this, so an IPv6 host cannot multiply its quota.
    public var subscriber: IPAddress {
        guard family == .ipv6 else { return self }
        return IPAddress(bytes: bytes.prefix(8) + [UInt8](repeating: 0, count: 8)) ?? self
    }
}
