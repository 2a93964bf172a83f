import CPacketSocket
import Foundation
import NATWire
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#endif

/// Reads, on its own thread, the STUN and ChannelData datagrams that arrive for a UDP port
/// another process owns (WireGuard's), from a packet socket: the kernel gives the owner its
/// copy too (WireGuard drops them as garbage) and gives natctl a copy through a classic BPF
/// filter that keeps only IPv4/IPv6 UDP to that port whose payload carries STUN's magic cookie
/// or starts like ChannelData (0x40–0x7F). WireGuard's own messages (types 1–4) never match.
public final class SharedPortCapture: Sendable {
    private let fd: Int32
    private let stopped = NIOLockedValueBox(false)

    /// Opens the packet socket with its filter (CAP_NET_RAW) and starts the reading thread,
    /// which hands each datagram (source, UDP payload) to `deliver`.
    init(port: UInt16, deliver: @escaping @Sendable (TransportAddress, [UInt8]) -> Void) throws(WireGuardError) {
        // Protocol 0 at first: no packets queue before the filter is on.
        let fd = socket(AF_PACKET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else {
            if errno == EPERM || errno == EACCES { throw .permission("a packet socket needs CAP_NET_RAW") }
            throw .protocolError("packet socket: \(String(cString: strerror(errno)))")
        }
        let program = Self.filter(port: port)
        guard natctl_attach_filter(fd, program, UInt16(program.count)) == 0, natctl_bind_packet_socket(fd, UInt16(ETH_P_ALL)) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw .protocolError("packet socket filter: \(reason)")
        }
        self.fd = fd
        let thread = Thread { [self] in read(deliver) }
        thread.name = "natctl-wg-port"
        thread.start()
    }

    /// Stops the thread, which closes the socket within one poll period (100 ms).
    func stop() { stopped.withLockedValue { $0 = true } }

    private func read(_ deliver: @Sendable (TransportAddress, [UInt8]) -> Void) {
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while !stopped.withLockedValue({ $0 }) {
            guard poll(&poller, 1, 100) > 0 else { continue }
            var address = sockaddr_ll()
            var length = socklen_t(MemoryLayout<sockaddr_ll>.size)
            let n = buffer.withUnsafeMutableBytes { raw in
                withUnsafeMutablePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, raw.baseAddress, raw.count, Int32(MSG_DONTWAIT), $0, &length) }
                }
            }
            // Our own datagrams leaving (to ourselves on loopback) are seen once more as outgoing.
            guard n > 0, natctl_packet_type(&address) != PACKET_OUTGOING else { continue }
            if let (source, payload) = Self.parse(buffer[..<n]) { deliver(source, payload) }
        }
    }

    /// The source and UDP payload of an IPv4 or IPv6 packet (network header first).
    public static func parse(_ packet: ArraySlice<UInt8>) -> (TransportAddress, [UInt8])? {
        // Offsets from the packet's own start, without copying it first: one copy, the payload.
        let base = packet.startIndex
        let count = packet.count
        guard let first = packet.first else { return nil }
        let header: Int
        let source: IPAddress?
        switch first >> 4 {
        case 4:
            header = Int(first & 0x0f) * 4
            guard header >= 20, count >= header + 8 else { return nil }
            source = IPAddress(bytes: packet[(base + 12)..<(base + 16)])
        case 6:
            header = 40
            guard count >= 48 else { return nil }
            source = IPAddress(bytes: packet[(base + 8)..<(base + 24)])
        default: return nil
        }
        guard let source else { return nil }
        let udp = base + header
        let sourcePort = UInt16(packet[udp]) << 8 | UInt16(packet[udp + 1])
        let udpLength = Int(UInt16(packet[udp + 4]) << 8 | UInt16(packet[udp + 5]))
        guard udpLength >= 8 else { return nil }
        // A datagram cut short (a first fragment, a short capture) is not handed on in part.
        guard header + udpLength <= count else { return nil }
        return (TransportAddress(ip: source, port: sourcePort), Array(packet[(udp + 8)..<(udp + udpLength)]))
    }

    /// The classic BPF program (offsets from the network header, SOCK_DGRAM):
    /// IPv4 not fragmented (a packet socket sits below reassembly, so a fragment could never
    /// be handed on whole) or IPv6 without extension headers, UDP, destination port `port`,
    /// payload either ChannelData-like or with the magic cookie at its bytes 4–7.
    static func filter(port: UInt16) -> [sock_filter] {
        func op(_ code: Int32, _ k: UInt32 = 0, _ jt: UInt8 = 0, _ jf: UInt8 = 0) -> sock_filter {
            sock_filter(code: UInt16(code), jt: jt, jf: jf, k: k)
        }
        let (ld, ldx, jmp, ret, alu) = (BPF_LD, BPF_LDX, BPF_JMP, BPF_RET, BPF_ALU)
        // Index: instruction; jumps count instructions skipped (accept is 20, reject 21).
        return [
            op(ld | BPF_B | BPF_ABS, 0),  // 0: A = version byte
            op(alu | BPF_AND | BPF_K, 0xf0),  // 1
            op(jmp | BPF_JEQ | BPF_K, 0x40, 0, 6),  // 2: IPv4 -> 3, else -> 9
            op(ld | BPF_B | BPF_ABS, 9),  // 3: protocol
            op(jmp | BPF_JEQ | BPF_K, 17, 0, 16),  // 4: UDP -> 5, else reject
            op(ld | BPF_H | BPF_ABS, 6),  // 5: flags and fragment offset
            op(jmp | BPF_JSET | BPF_K, 0x3fff, 14, 0),  // 6: any fragment (more-fragments or an offset) -> reject
            op(ldx | BPF_B | BPF_MSH, 0),  // 7: X = IPv4 header length
            op(jmp | BPF_JA, 4),  // 8: -> 13
            op(jmp | BPF_JEQ | BPF_K, 0x60, 0, 11),  // 9: IPv6 -> 10, else reject
            op(ld | BPF_B | BPF_ABS, 6),  // 10: next header
            op(jmp | BPF_JEQ | BPF_K, 17, 0, 9),  // 11: UDP -> 12, else reject
            op(ldx | BPF_IMM, 40),  // 12: X = IPv6 header length
            op(ld | BPF_H | BPF_IND, 2),  // 13: destination port
            op(jmp | BPF_JEQ | BPF_K, UInt32(port), 0, 6),  // 14: ours -> 15, else reject
            op(ld | BPF_B | BPF_IND, 8),  // 15: first payload byte
            op(jmp | BPF_JGE | BPF_K, 0x40, 0, 1),  // 16: >= 0x40 -> 17, else -> 18
            op(jmp | BPF_JGE | BPF_K, 0x80, 0, 2),  // 17: < 0x80 (ChannelData) -> accept
            op(ld | BPF_W | BPF_IND, 12),  // 18: payload bytes 4-7
            op(jmp | BPF_JEQ | BPF_K, 0x2112_A442, 0, 1),  // 19: magic cookie -> accept, else reject
            op(ret | BPF_K, 0x40000),  // 20: accept
            op(ret | BPF_K, 0),  // 21: reject
        ]
    }
}
