import Foundation

#if canImport(Glibc)
import Glibc

/// natctl's userspace link impairment, for kernels without `netem` (this one has none): moves
/// Ethernet frames between two interfaces with AF_PACKET sockets, holding each one for
/// `delay ± jitter` in a timed queue. It runs as its own process in a "wire" namespace that
/// sits on a site's WAN link, so the router and the internet see an ordinary (slow) cable.
///
/// Jitter draws each frame's delay uniformly from [delay − jitter, delay + jitter], so frames
/// can overtake one another: reordering comes from jitter, as on real paths.
public struct FrameWire {
    public struct Settings: Sendable {
        public var interfaces: (String, String)
        public var delayMilliseconds: Int
        public var jitterMilliseconds: Int
        public var queueCapacity = 10_000

        public init(interfaces: (String, String), delayMilliseconds: Int, jitterMilliseconds: Int) {
            self.interfaces = interfaces
            self.delayMilliseconds = delayMilliseconds
            self.jitterMilliseconds = jitterMilliseconds
        }
    }

    public enum Failure: Error, CustomStringConvertible {
        case socket(String, String)
        public var description: String {
            switch self {
            case .socket(let interface, let why): "cannot open a packet socket on \(interface): \(why) (needs root or CAP_NET_RAW)"
            }
        }
    }

    private static let ethPAll: UInt16 = 0x0003  // ETH_P_ALL, <linux/if_ether.h>
    private static let packetOutgoing: UInt8 = 4  // PACKET_OUTGOING: frames we (or the kernel) sent

    /// Opens both sockets, calls `ready`, then forwards until the process is killed (`lab down`
    /// kills every process in the lab's namespaces).
    public static func run(_ settings: Settings, ready: () -> Void = {}) throws(Failure) -> Never {
        let sockets = [try open(settings.interfaces.0), try open(settings.interfaces.1)]
        ready()
        defer { sockets.forEach { close($0) } }
        var queue = DelayQueue(capacity: settings.queueCapacity)
        var random = SystemRandomNumberGenerator()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let delay = Int64(settings.delayMilliseconds) * 1_000_000
        let jitter = Int64(settings.jitterMilliseconds) * 1_000_000
        while true {
            let now = monotonicNanoseconds()
            while let entry = queue.popDue(now: now) {
                _ = entry.frame.withUnsafeBytes { send(sockets[entry.toSide], $0.baseAddress, $0.count, 0) }
            }
            let waitMs = queue.nextDue.map { Int32(min(100, max(0, (Int64($0) - Int64(monotonicNanoseconds()) + 999_999) / 1_000_000))) } ?? 100
            var polls = sockets.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            guard poll(&polls, 2, waitMs) > 0 else { continue }
            for side in 0..<2 where polls[side].revents & Int16(POLLIN) != 0 {
                // Drain what is ready; each frame is stamped on arrival.
                while true {
                    var from = sockaddr_ll()
                    var length = socklen_t(MemoryLayout<sockaddr_ll>.size)
                    let count = buffer.withUnsafeMutableBytes { bytes in
                        withUnsafeMutablePointer(to: &from) {
                            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                                recvfrom(sockets[side], bytes.baseAddress, bytes.count, Int32(MSG_DONTWAIT), $0, &length)
                            }
                        }
                    }
                    guard count > 0 else { break }
                    if from.sll_pkttype == packetOutgoing { continue }
                    let spread = jitter > 0 ? Int64.random(in: -jitter...jitter, using: &random) : 0
                    let due = UInt64(max(0, Int64(monotonicNanoseconds()) + delay + spread))
                    _ = queue.push(Array(buffer[0..<count]), due: due, toSide: 1 - side)
                }
            }
        }
    }

    private static func open(_ interface: String) throws(Failure) -> Int32 {
        let fd = socket(AF_PACKET, Int32(SOCK_RAW.rawValue), Int32(ethPAll.bigEndian))
        guard fd >= 0 else { throw .socket(interface, String(cString: strerror(errno))) }
        let index = if_nametoindex(interface)
        guard index != 0 else {
            close(fd)
            throw .socket(interface, "no such interface")
        }
        var address = sockaddr_ll()
        address.sll_family = UInt16(AF_PACKET)
        address.sll_protocol = ethPAll.bigEndian
        address.sll_ifindex = Int32(index)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_ll>.size)) }
        }
        guard bound == 0 else {
            let why = String(cString: strerror(errno))
            close(fd)
            throw .socket(interface, why)
        }
        return fd
    }

    private static func monotonicNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }
}

/// `struct sockaddr_ll` from <linux/if_packet.h>, which Glibc's Swift module does not export.
struct sockaddr_ll {
    var sll_family: UInt16 = 0
    var sll_protocol: UInt16 = 0
    var sll_ifindex: Int32 = 0
    var sll_hatype: UInt16 = 0
    var sll_pkttype: UInt8 = 0
    var sll_halen: UInt8 = 0
    var sll_addr: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0)
}
#endif
