#if canImport(Glibc)
import Glibc
import NATWire

/// The host's interfaces and their addresses (getifaddrs), and which interface a packet to a
/// given address would leave by: the kernel's own routing answer, asked by connecting a UDP
/// socket (which sends nothing) and reading the source address it picked.
public enum InterfaceAddresses {
    /// Every interface that is up, with its IPv4 and IPv6 addresses (link-local included).
    public static func all() -> [String: [IPAddress]] {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return [:] }
        defer { freeifaddrs(list) }
        var result: [String: [IPAddress]] = [:]
        for entry in sequence(first: first, next: { $0.pointee.ifa_next }) {
            let name = String(cString: entry.pointee.ifa_name)
            guard entry.pointee.ifa_flags & UInt32(IFF_UP) != 0 else { continue }
            if result[name] == nil { result[name] = [] }
            if let raw = entry.pointee.ifa_addr, let address = ipAddress(UnsafePointer(raw)) { result[name]?.append(address) }
        }
        return result
    }

    /// The interface and source address the kernel would use toward `destination`; nil when
    /// there is no route.
    public static func route(toward destination: IPAddress) -> (interface: String, source: IPAddress)? {
        let family = destination.family == .ipv4 ? AF_INET : AF_INET6
        let fd = socket(family, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var storage = sockaddr_storage()
        let length = withUnsafeMutableBytes(of: &storage) { raw -> socklen_t in
            if destination.family == .ipv4 {
                var address = sockaddr_in()
                address.sin_family = sa_family_t(AF_INET)
                address.sin_port = UInt16(9).bigEndian  // discard; connect() on UDP sends nothing
                withUnsafeMutableBytes(of: &address.sin_addr) { $0.copyBytes(from: destination.bytes) }
                raw.storeBytes(of: address, as: sockaddr_in.self)
                return socklen_t(MemoryLayout<sockaddr_in>.size)
            }
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = UInt16(9).bigEndian
            withUnsafeMutableBytes(of: &address.sin6_addr) { $0.copyBytes(from: destination.bytes) }
            raw.storeBytes(of: address, as: sockaddr_in6.self)
            return socklen_t(MemoryLayout<sockaddr_in6>.size)
        }
        let connected = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, length) } }
        guard connected == 0 else { return nil }
        var local = sockaddr_storage()
        var localLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &local) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &localLength) } }
        guard named == 0, let source = withUnsafePointer(to: &local, { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { ipAddress($0) } }) else {
            return nil
        }
        // The loopback interface owns all of 127/8 but lists only 127.0.0.1.
        if source.bytes.first == 127 || source == IPAddress("::1") { return (loopbackName(), source) }
        guard let owner = all().first(where: { $0.value.contains(source) }) else { return nil }
        return (owner.key, source)
    }

    private static func loopbackName() -> String {
        all().keys.first { $0 == "lo" || $0.hasPrefix("lo") } ?? "lo"
    }

    static func ipAddress(_ address: UnsafePointer<sockaddr>) -> IPAddress? { IPAddress(socketAddress: address) }
}
#endif
