import CPacketSocket
import Foundation
import NATWire
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// Sends UDP datagrams whose source port is one another process owns (WireGuard's), through a
/// raw socket: the kernel adds the IP header, natctl writes the UDP header. So STUN, checks and
/// probes leave from the very port, and open the very NAT mappings, that WireGuard will use,
/// while WireGuard keeps running. Used only on the socket's event loop (one thread at a time).
final class SharedPortSender: @unchecked Sendable {
    let port: UInt16
    let family: IPAddress.Family
    let mark: UInt32
    private let fd: Int32
    /// Source addresses the kernel picks per destination (the UDP checksum covers them).
    private var sources: [IPAddress: IPAddress] = [:]

    init(port: UInt16, family: IPAddress.Family, mark: UInt32 = 0) throws(WireGuardError) {
        self.port = port
        self.family = family
        self.mark = mark
        fd = socket(family == .ipv4 ? AF_INET : AF_INET6, Int32(SOCK_RAW.rawValue), Int32(IPPROTO_UDP))
        guard fd >= 0 else {
            if errno == EPERM || errno == EACCES { throw .permission("a raw UDP socket needs CAP_NET_RAW") }
            throw .protocolError("raw UDP socket: \(String(cString: strerror(errno)))")
        }
        // A raw UDP socket also receives a copy of every UDP datagram the host gets; this one
        // only sends, so a filter that keeps nothing spares the kernel the copies.
        let nothing = [sock_filter(code: UInt16(BPF_RET | BPF_K), jt: 0, jf: 0, k: 0)]
        _ = natctl_attach_filter(fd, nothing, 1)
        if mark != 0 {
            var value = mark
            guard setsockopt(fd, SOL_SOCKET, SO_MARK, &value, socklen_t(MemoryLayout<UInt32>.size)) == 0 else {
                close(fd)
                throw .permission("marking packets with WireGuard's fwmark \(mark) needs CAP_NET_ADMIN")
            }
        }
        if family == .ipv6 {
            // IPv6 forbids a zero UDP checksum; let the kernel fill it in (offset 6 of our header).
            var offset: Int32 = 6
            setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_CHECKSUM, &offset, socklen_t(MemoryLayout<Int32>.size))
        }
    }

    deinit { close(fd) }

    /// Sends `payload` to `destination` from `port`; nil, or the errno of the failure.
    @discardableResult
    func send(_ payload: some Collection<UInt8>, to destination: TransportAddress) -> Int32? {
        guard destination.ip.family == family else { return EAFNOSUPPORT }
        guard payload.count <= 65_507 else { return EMSGSIZE }
        let length = UInt16(8 + payload.count)
        var datagram: [UInt8] = [UInt8(port >> 8), UInt8(port & 0xff), UInt8(destination.port >> 8), UInt8(destination.port & 0xff)]
        datagram += [UInt8(length >> 8), UInt8(length & 0xff), 0, 0]
        datagram += payload
        if family == .ipv4, let source = source(for: destination.ip) {
            var sum = Self.checksum(pseudoHeader: source.bytes + destination.ip.bytes + [0, 17, UInt8(length >> 8), UInt8(length & 0xff)], datagram)
            if sum == 0 { sum = 0xffff }  // zero means "no checksum" in IPv4 UDP
            datagram[6] = UInt8(sum >> 8)
            datagram[7] = UInt8(sum & 0xff)
        }
        // Raw sockets take the protocol, not a port, from the address: port 0.
        guard let address = try? TransportAddress(ip: destination.ip, port: 0).socketAddress else { return EINVAL }
        let sent = datagram.withUnsafeBytes { raw in address.withSockAddr { sendto(fd, raw.baseAddress, raw.count, 0, $0, socklen_t($1)) } }
        return sent == datagram.count ? nil : (sent < 0 ? errno : EIO)
    }

    /// The address the kernel would send from to reach `ip` (a connected UDP socket's name).
    private func source(for ip: IPAddress) -> IPAddress? {
        if let known = sources[ip] { return known }
        guard let found = LocalRoute.source(toward: ip, mark: mark) else { return nil }
        if sources.count > 4096 { sources.removeAll() }
        sources[ip] = found
        return found
    }

    /// RFC 768's checksum: the ones' complement sum over the pseudo-header and the datagram.
    static func checksum(pseudoHeader: [UInt8], _ datagram: [UInt8]) -> UInt16 {
        TunnelProbe.internetChecksum(pseudoHeader + datagram)
    }
}

/// Which local address the kernel picks toward a destination.
enum LocalRoute {
    /// `mark`: the fwmark the real packets carry, which policy routing may act on.
    static func source(toward ip: IPAddress, mark: UInt32 = 0) -> IPAddress? {
        let fd = socket(ip.family == .ipv4 ? AF_INET : AF_INET6, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        if mark != 0 {
            var value = mark
            setsockopt(fd, SOL_SOCKET, SO_MARK, &value, socklen_t(MemoryLayout<UInt32>.size))
        }
        guard let address = try? TransportAddress(ip: ip, port: 9).socketAddress,
            address.withSockAddr({ connect(fd, $0, socklen_t($1)) }) == 0
        else { return nil }
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        guard named == 0 else { return nil }
        return ICMPErrorWatcher.sender(storage)
    }
}
