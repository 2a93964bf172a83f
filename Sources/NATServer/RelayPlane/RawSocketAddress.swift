import Glibc
import NATWire
import NIOCore

/// A UDP endpoint as the kernel hands it over (sockaddr_in or sockaddr_in6), kept as two words,
/// a port and a family, so the relay's data path can key its tables and address `sendmmsg`
/// without converting through text (NIO's `SocketAddress` formats every received address with
/// inet_ntop, which cost more than all of the relay's own work per packet).
struct RawSocketAddress: Hashable, Sendable {
    /// The address bytes in network order: IPv4 in the low 4 bytes of `low` (high 0).
    var high: UInt64
    var low: UInt64
    var port: UInt16  // host order
    var isIPv6: Bool
    /// An IPv6 link-local address's interface (sin6_scope_id), so answers find their way back.
    var scope: UInt32 = 0

    /// Reads a sockaddr_in or sockaddr_in6; nil for any other family.
    init?(_ address: UnsafeRawPointer) {
        switch Int32(address.load(as: sa_family_t.self)) {
        case AF_INET:
            let v4 = address.load(as: sockaddr_in.self)
            self.init(high: 0, low: UInt64(v4.sin_addr.s_addr), port: UInt16(bigEndian: v4.sin_port), isIPv6: false)
        case AF_INET6:
            let v6 = address.loadUnaligned(as: sockaddr_in6.self)
            let words = withUnsafeBytes(of: v6.sin6_addr) { ($0.loadUnaligned(as: UInt64.self), $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self)) }
            self.init(high: words.0, low: words.1, port: UInt16(bigEndian: v6.sin6_port), isIPv6: true)
            scope = v6.sin6_scope_id
        default:
            return nil
        }
    }

    init(high: UInt64, low: UInt64, port: UInt16, isIPv6: Bool) {
        self.high = high
        self.low = low
        self.port = port
        self.isIPv6 = isIPv6
    }

    init(_ address: TransportAddress) {
        let bytes = address.ip.bytes
        if bytes.count == 4 {
            let word = bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
            self.init(high: 0, low: UInt64(word), port: address.port, isIPv6: false)
        } else {
            let words = bytes.withUnsafeBytes { ($0.loadUnaligned(as: UInt64.self), $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self)) }
            self.init(high: words.0, low: words.1, port: address.port, isIPv6: true)
        }
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(low ^ UInt64(port) << 32)
        if isIPv6 { hasher.combine(high) }
    }

    var transportAddress: TransportAddress {
        let bytes: [UInt8] =
            isIPv6
            ? withUnsafeBytes(of: (high, low)) { Array($0) }
            : withUnsafeBytes(of: UInt32(truncatingIfNeeded: low)) { Array($0) }
        return TransportAddress(ip: IPAddress(bytes: bytes)!, port: port)
    }

    /// Writes the sockaddr for `sendto`/`sendmmsg` into `storage`; returns its length.
    func write(to storage: UnsafeMutablePointer<sockaddr_storage>) -> socklen_t {
        let raw = UnsafeMutableRawPointer(storage)
        if isIPv6 {
            var v6 = sockaddr_in6()
            v6.sin6_family = sa_family_t(AF_INET6)
            v6.sin6_port = port.bigEndian
            v6.sin6_scope_id = scope
            withUnsafeMutableBytes(of: &v6.sin6_addr) {
                $0.storeBytes(of: high, toByteOffset: 0, as: UInt64.self)
                $0.storeBytes(of: low, toByteOffset: 8, as: UInt64.self)
            }
            raw.storeBytes(of: v6, as: sockaddr_in6.self)
            return socklen_t(MemoryLayout<sockaddr_in6>.size)
        }
        var v4 = sockaddr_in()
        v4.sin_family = sa_family_t(AF_INET)
        v4.sin_port = port.bigEndian
        v4.sin_addr.s_addr = UInt32(truncatingIfNeeded: low)
        raw.storeBytes(of: v4, as: sockaddr_in.self)
        return socklen_t(MemoryLayout<sockaddr_in>.size)
    }

    /// The NIO form, for the control path.
    var socketAddress: SocketAddress {
        var storage = sockaddr_storage()
        _ = write(to: &storage)
        return withUnsafeBytes(of: &storage) { raw in
            isIPv6
                ? SocketAddress(raw.load(as: sockaddr_in6.self), host: "")
                : SocketAddress(raw.load(as: sockaddr_in.self), host: "")
        }
    }

    init?(_ address: SocketAddress) {
        var result: RawSocketAddress?
        address.withSockAddr { pointer, _ in result = RawSocketAddress(UnsafeRawPointer(pointer)) }
        guard let result else { return nil }
        self = result
    }
}
