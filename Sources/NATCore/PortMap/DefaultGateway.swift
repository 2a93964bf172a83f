#if canImport(Glibc)
import Glibc
#endif
import NATWire

/// The IPv4 default gateway, where UPnP, NAT-PMP and PCP servers live, and this host's address
/// toward it (UPnP's NewInternalClient, PCP's client address).
public struct DefaultGateway: Sendable, Equatable {
    public var address: IPAddress
    public var interface: String
    /// The local address the kernel picks to reach the gateway.
    public var localAddress: IPAddress

    public init(address: IPAddress, interface: String, localAddress: IPAddress) {
        self.address = address
        self.interface = interface
        self.localAddress = localAddress
    }

    /// The gateway of the lowest-metric IPv4 default route, or `given` when the user named one.
    public static func find(given: IPAddress? = nil) throws(PortMapError) -> DefaultGateway {
        if let given {
            guard given.family == .ipv4 else { throw PortMapError(.noGateway, "--gateway \(given) must be IPv4: UPnP, NAT-PMP and PCP gateways are found over IPv4 here") }
            return DefaultGateway(address: given, interface: "", localAddress: try localAddress(toward: given))
        }
        // /proc/net/route is a kernel-generated file: reading it returns at once.
        guard let text = try? readProcFile("/proc/net/route"), let route = parseRouteTable(text) else {
            throw PortMapError(.noGateway, "no IPv4 default route: this host has no gateway to ask for a port mapping (give one with --gateway)")
        }
        return DefaultGateway(address: route.gateway, interface: route.interface, localAddress: try localAddress(toward: route.gateway))
    }

    /// The default route with the lowest metric in /proc/net/route's table (hex, host order).
    static func parseRouteTable(_ text: String) -> (interface: String, gateway: IPAddress)? {
        var best: (interface: String, gateway: IPAddress, metric: Int)?
        for line in text.split(separator: "\n").dropFirst() {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard fields.count >= 8, fields[1] == "00000000", fields[7] == "00000000",
                let flags = Int(fields[3], radix: 16), flags & 0x3 == 0x3,  // RTF_UP | RTF_GATEWAY
                let raw = UInt32(fields[2], radix: 16), let metric = Int(fields[6])
            else { continue }
            // The kernel prints the address in host (little-endian) byte order.
            let bytes = withUnsafeBytes(of: raw.littleEndian) { Array($0) }
            guard let gateway = IPAddress(bytes: bytes), best.map({ metric < $0.metric }) ?? true else { continue }
            best = (fields[0], gateway, metric)
        }
        return best.map { ($0.interface, $0.gateway) }
    }

    /// Connects a UDP socket (no packet is sent) and reads the source address the kernel chose.
    static func localAddress(toward gateway: IPAddress) throws(PortMapError) -> IPAddress {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw PortMapError(.io, "cannot open a UDP socket: errno \(errno)") }
        defer { close(fd) }
        var remote = sockaddr_in()
        remote.sin_family = sa_family_t(AF_INET)
        remote.sin_port = UInt16(5351).bigEndian
        withUnsafeMutableBytes(of: &remote.sin_addr) { $0.copyBytes(from: gateway.bytes) }
        let connected = withUnsafePointer(to: &remote) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let code = errno
            throw PortMapError(.noGateway, "cannot reach gateway \(gateway): \(String(cString: strerror(code))) (errno \(code))")
        }
        var local = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0, let ip = withUnsafeBytes(of: local.sin_addr, { IPAddress(bytes: $0) }) else {
            throw PortMapError(.io, "cannot read the local address toward \(gateway): errno \(errno)")
        }
        return ip
    }

    private static func readProcFile(_ path: String) throws -> String {
        guard let file = fopen(path, "r") else { throw PortMapError(.io, "cannot open \(path)") }
        defer { fclose(file) }
        var text = ""
        var buffer = [CChar](repeating: 0, count: 4096)
        while fgets(&buffer, Int32(buffer.count), file) != nil { text += String(cString: buffer) }
        return text
    }
}
