import Foundation
import NATWire
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#endif

/// Watches, on its own thread, for ICMP errors about UDP datagrams this host sent from one port
/// (WireGuard's): the kernel hands a raw ICMP socket a copy of every ICMP message, and an error
/// quotes the IP and UDP headers of the datagram that caused it. This is how natctl tells "the
/// candidate said port unreachable" from "no answer" for a socket it does not own.
public final class ICMPErrorWatcher: Sendable {
    /// One ICMP error about a datagram from the watched port to `destination`.
    public struct Event: Sendable, Equatable {
        public var destination: TransportAddress
        /// Who sent the ICMP message (the destination itself, or a router on the way).
        public var reporter: IPAddress
        /// "port unreachable", "host unreachable", ...
        public var reason: String
        /// Milliseconds on the watcher's clock (since it started).
        public var atMs: Int64
    }

    private let port: UInt16
    private let events = NIOLockedValueBox<[Event]>([])
    private let stopped = NIOLockedValueBox(false)
    private let sockets: [Int32]
    private let started = ContinuousClock.now

    /// Opens raw ICMP and ICMPv6 sockets (root or CAP_NET_RAW); throws `.permission` without them.
    public init(port: UInt16) throws(WireGuardError) {
        self.port = port
        let v4 = socket(AF_INET, Int32(SOCK_RAW.rawValue), Int32(IPPROTO_ICMP))
        guard v4 >= 0 else {
            if errno == EPERM || errno == EACCES { throw .permission("opening a raw ICMP socket needs CAP_NET_RAW") }
            throw .protocolError("raw ICMP socket: \(String(cString: strerror(errno)))")
        }
        let v6 = socket(AF_INET6, Int32(SOCK_RAW.rawValue), Int32(IPPROTO_ICMPV6))
        sockets = v6 >= 0 ? [v4, v6] : [v4]
        let thread = Thread { [self] in readLoop() }
        thread.name = "natctl-icmp-watch"
        thread.start()
    }

    /// Milliseconds on the watcher's clock, which `Event.atMs` uses.
    public var nowMs: Int64 { Int64((ContinuousClock.now - started).milliseconds) }

    /// Errors about datagrams to `destination` seen at or after `since` (the watcher's clock).
    public func events(to destination: TransportAddress, since: Int64) -> [Event] {
        events.withLockedValue { $0.filter { $0.destination == destination && $0.atMs >= since } }
    }

    /// Stops the thread, which closes the sockets within one poll period (100 ms); never waits.
    public func stop() { stopped.withLockedValue { $0 = true } }

    private func readLoop() {
        defer { for fd in sockets { close(fd) } }
        var polls = sockets.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        var buffer = [UInt8](repeating: 0, count: 2048)
        while !stopped.withLockedValue({ $0 }) {
            guard poll(&polls, nfds_t(polls.count), 100) > 0 else { continue }
            for index in polls.indices where polls[index].revents & Int16(POLLIN) != 0 {
                var from = sockaddr_storage()
                var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
                let n = buffer.withUnsafeMutableBytes { raw in
                    withUnsafeMutablePointer(to: &from) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                            recvfrom(polls[index].fd, raw.baseAddress, raw.count, Int32(MSG_DONTWAIT), $0, &length)
                        }
                    }
                }
                guard n > 0 else { continue }
                let bytes = Array(buffer[..<n])
                let parsed = index == 0 ? Self.parseIPv4(bytes, port: port) : Self.parseIPv6(bytes, port: port)
                guard let (destination, reason) = parsed, let reporter = Self.sender(from) else { continue }
                let at = Int64((ContinuousClock.now - started).milliseconds)
                events.withLockedValue { events in
                    // Bounded; the newest matter (each attempt looks only at its own).
                    if events.count >= 1000 { events.removeFirst(events.count - 999) }
                    events.append(Event(destination: destination, reporter: reporter, reason: reason, atMs: at))
                }
            }
        }
    }

    /// An IPv4 raw ICMP read: the IP header, then ICMP type 3 (destination unreachable) or 11
    /// (time exceeded), 4 unused bytes, the quoted IP header and the first 8 bytes of its UDP.
    public static func parseIPv4(_ bytes: [UInt8], port: UInt16) -> (TransportAddress, String)? {
        guard bytes.count >= 20 else { return nil }
        let ihl = Int(bytes[0] & 0x0f) * 4
        guard ihl >= 20, bytes.count >= ihl + 8 + 20 + 8 else { return nil }
        let type = bytes[ihl]
        let code = bytes[ihl + 1]
        guard type == 3 || type == 11 else { return nil }
        let quoted = ihl + 8
        let quotedLength = Int(bytes[quoted] & 0x0f) * 4
        guard bytes[quoted] >> 4 == 4, bytes[quoted + 9] == 17, quotedLength >= 20, bytes.count >= quoted + quotedLength + 4 else { return nil }
        let udp = quoted + quotedLength
        let sourcePort = UInt16(bytes[udp]) << 8 | UInt16(bytes[udp + 1])
        let destinationPort = UInt16(bytes[udp + 2]) << 8 | UInt16(bytes[udp + 3])
        guard sourcePort == port, let ip = IPAddress(bytes: Array(bytes[(quoted + 16)..<(quoted + 20)])) else { return nil }
        let reasons = ["net unreachable", "host unreachable", "protocol unreachable", "port unreachable"]
        let reason =
            if type == 11 { "time exceeded (TTL)" } else if reasons.indices.contains(Int(code)) { reasons[Int(code)] } else if code == 13 {
                "administratively prohibited"
            } else { "unreachable (code \(code))" }
        return (TransportAddress(ip: ip, port: destinationPort), reason)
    }

    /// An ICMPv6 raw read (no IP header): type 1 (unreachable) or 3 (time exceeded), 4 unused
    /// bytes, the quoted 40-byte IPv6 header (next header UDP) and its UDP header.
    public static func parseIPv6(_ bytes: [UInt8], port: UInt16) -> (TransportAddress, String)? {
        guard bytes.count >= 8 + 40 + 8, bytes[0] == 1 || bytes[0] == 3, bytes[8 + 6] == 17 else { return nil }
        let udp = 48
        let sourcePort = UInt16(bytes[udp]) << 8 | UInt16(bytes[udp + 1])
        let destinationPort = UInt16(bytes[udp + 2]) << 8 | UInt16(bytes[udp + 3])
        guard sourcePort == port, let ip = IPAddress(bytes: Array(bytes[32..<48])) else { return nil }
        let code = Int(bytes[1])
        let reasons = ["no route", "administratively prohibited", "beyond scope", "address unreachable", "port unreachable"]
        let reason = bytes[0] == 3 ? "time exceeded (hop limit)" : (reasons.indices.contains(code) ? reasons[code] : "unreachable (code \(code))")
        return (TransportAddress(ip: ip, port: destinationPort), reason)
    }

    /// The IP address in a received socket address.
    static func sender(_ storage: sockaddr_storage) -> IPAddress? {
        withUnsafePointer(to: storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { IPAddress(socketAddress: $0) } }
    }
}
