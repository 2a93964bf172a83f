import Foundation
import NATWire
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// ICMP echoes to an address across a tunnel (`--probe-ip`): proof that the tunnel carries
/// traffic, not only that WireGuard shook hands. Raw ICMP sockets (root or CAP_NET_RAW); the
/// kernel routes them through the WireGuard interface like any other packet to that address.
public enum TunnelProbe {
    /// Sends `count` echoes `interval` apart and waits up to `wait` after the last; blocking
    /// (call through `Blocking.run`).
    public static func ping(_ ip: IPAddress, count: Int = 3, interval: Duration = .milliseconds(200), wait: Duration = .seconds(1)) -> TunnelProbeResult {
        var result = TunnelProbeResult(ip: ip.description, sent: 0, received: 0)
        let v6 = ip.family == .ipv6
        let fd = socket(v6 ? AF_INET6 : AF_INET, Int32(SOCK_RAW.rawValue), Int32(v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP))
        guard fd >= 0 else { return result }
        defer { close(fd) }
        let identifier = UInt16.random(in: 1...UInt16.max)
        guard let address = try? TransportAddress(ip: ip, port: 0).socketAddress else { return result }
        let clock = ContinuousClock()
        var sentAt: [UInt16: ContinuousClock.Instant] = [:]
        var received = Set<UInt16>()
        var best: Duration?
        var nextSend = clock.now
        let end = { (sent: Int) in sent >= count }
        var lastSent = clock.now
        var buffer = [UInt8](repeating: 0, count: 1500)
        while true {
            let now = clock.now
            if !end(result.sent), now >= nextSend {
                let sequence = UInt16(result.sent)
                let packet = echoRequest(identifier: identifier, sequence: sequence, v6: v6)
                let n = packet.withUnsafeBytes { raw in
                    address.withSockAddr { sendto(fd, raw.baseAddress, raw.count, 0, $0, socklen_t($1)) }
                }
                if n > 0 {
                    sentAt[sequence] = now
                    lastSent = now
                }
                result.sent += 1
                nextSend = now + interval
            }
            if end(result.sent), now >= lastSent + wait || received.count == result.sent { break }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let until = end(result.sent) ? lastSent + wait : nextSend
            let timeout = max(1, Int32((until - clock.now).milliseconds))
            guard poll(&poller, 1, timeout) > 0 else { continue }
            var from = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let n = buffer.withUnsafeMutableBytes { raw in
                withUnsafeMutablePointer(to: &from) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, raw.baseAddress, raw.count, Int32(MSG_DONTWAIT), $0, &length) }
                }
            }
            // Only the probed address's replies prove the tunnel (another host may echo our ID).
            guard n > 0, ICMPErrorWatcher.sender(from) == ip, let sequence = echoReply(Array(buffer[..<n]), identifier: identifier, v6: v6), let at = sentAt[sequence],
                received.insert(sequence).inserted
            else { continue }
            let rtt = clock.now - at
            best = min(best ?? rtt, rtt)
        }
        result.received = received.count
        result.rttMs = best.map { ($0.millisecondsDouble * 1000).rounded() / 1000 }
        return result
    }

    /// An echo request: type 8 (ICMPv6: 128), our identifier and sequence, 16 bytes of payload.
    /// ICMPv6's checksum covers a pseudo-header, which the kernel fills in on raw ICMPv6 sockets.
    static func echoRequest(identifier: UInt16, sequence: UInt16, v6: Bool) -> [UInt8] {
        var packet: [UInt8] = [v6 ? 128 : 8, 0, 0, 0, UInt8(identifier >> 8), UInt8(identifier & 0xff), UInt8(sequence >> 8), UInt8(sequence & 0xff)]
        packet += Array("natctl tunnel ok".utf8)
        if !v6 {
            let sum = internetChecksum(packet)
            packet[2] = UInt8(sum >> 8)
            packet[3] = UInt8(sum & 0xff)
        }
        return packet
    }

    /// The sequence number of an echo reply with our identifier (IPv4 reads carry the IP header).
    static func echoReply(_ bytes: [UInt8], identifier: UInt16, v6: Bool) -> UInt16? {
        let offset = v6 ? 0 : Int(bytes.first.map { $0 & 0x0f } ?? 0) * 4
        guard bytes.count >= offset + 8, bytes[offset] == (v6 ? 129 : 0),
            UInt16(bytes[offset + 4]) << 8 | UInt16(bytes[offset + 5]) == identifier
        else { return nil }
        return UInt16(bytes[offset + 6]) << 8 | UInt16(bytes[offset + 7])
    }

    /// RFC 1071's ones' complement sum.
    static func internetChecksum(_ bytes: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        var index = 0
        while index + 1 < bytes.count {
            sum += UInt32(bytes[index]) << 8 | UInt32(bytes[index + 1])
            index += 2
        }
        if index < bytes.count { sum += UInt32(bytes[index]) << 8 }
        while sum >> 16 != 0 { sum = (sum & 0xffff) + (sum >> 16) }
        return ~UInt16(sum)
    }
}
