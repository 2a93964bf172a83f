import NATWire

@testable import NATCapture

/// Builds packets byte by byte for crafted captures: each explanation rule is tested on a
/// capture made here and on one from a real lab run (NATLabTests/TraceLabTests).
enum Craft {
    static func ip(_ text: String) -> IPAddress { IPAddress(text)! }
    static func at(_ text: String) -> TransportAddress { TransportAddress(text)! }

    /// An IPv4 packet; the header checksum is left zero (nothing here verifies it).
    static func ipv4(_ source: IPAddress, _ destination: IPAddress, proto: UInt8, _ payload: [UInt8], id: UInt16 = 1, dontFragment: Bool = false,
                     fragmentOffset: Int = 0, moreFragments: Bool = false, ttl: UInt8 = 64) -> [UInt8] {
        var out: [UInt8] = [0x45, 0]
        out.append16(UInt16(20 + payload.count))
        out.append16(id)
        out.append16((dontFragment ? 0x4000 : 0) | (moreFragments ? 0x2000 : 0) | UInt16(fragmentOffset / 8))
        out += [ttl, proto, 0, 0]
        out += source.bytes + destination.bytes
        return out + payload
    }

    static func ipv6(_ source: IPAddress, _ destination: IPAddress, next: UInt8, _ payload: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x60, 0, 0, 0]
        out.append16(UInt16(payload.count))
        out += [next, 64]
        return out + source.bytes + destination.bytes + payload
    }

    static func udpHeader(_ source: UInt16, _ destination: UInt16, _ payload: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.append16(source)
        out.append16(destination)
        out.append16(UInt16(8 + payload.count))
        out.append16(0)
        return out + payload
    }

    /// A UDP datagram in IPv4 or IPv6, by the addresses' family.
    static func udp(_ source: TransportAddress, _ destination: TransportAddress, _ payload: [UInt8], dontFragment: Bool = false) -> [UInt8] {
        let segment = udpHeader(source.port, destination.port, payload)
        return source.ip.family == .ipv4
            ? ipv4(source.ip, destination.ip, proto: 17, segment, dontFragment: dontFragment)
            : ipv6(source.ip, destination.ip, next: 17, segment)
    }

    /// A TCP segment in IPv4 with a 20-byte header.
    static func tcp(_ source: TransportAddress, _ destination: TransportAddress, _ flags: TCPFlags, sequence: UInt32 = 1000, _ payload: [UInt8] = []) -> [UInt8] {
        var segment: [UInt8] = []
        segment.append16(source.port)
        segment.append16(destination.port)
        segment.append16(UInt16(sequence >> 16))
        segment.append16(UInt16(sequence & 0xFFFF))
        segment += [0, 0, 0, 0, 0x50, flags.rawValue, 0xFF, 0xFF, 0, 0, 0, 0]
        return ipv4(source.ip, destination.ip, proto: 6, segment + payload)
    }

    /// An ICMP(v4) error quoting the IP header and 8 bytes of `original`, as routers send them.
    static func icmpError(from router: IPAddress, type: UInt8, code: UInt8, quoting original: [UInt8], mtu: UInt16 = 0) -> [UInt8] {
        let destination = IPAddress(bytes: original[12..<16])!
        var body: [UInt8] = [type, code, 0, 0, 0, 0]
        body.append16(mtu)
        body += original.prefix(28)
        return ipv4(router, destination, proto: 1, body)
    }

    /// An ICMPv6 router solicitation (type 133) from `source` to all routers.
    static func routerSolicitation(from source: IPAddress) -> [UInt8] {
        ipv6(source, ip("ff02::2"), next: 58, [133, 0, 0, 0, 0, 0, 0, 0])
    }

    static func ethernet(_ ip: [UInt8]) -> [UInt8] {
        let type: UInt16 = ip.first.map { $0 >> 4 == 6 ? 0x86DD : 0x0800 } ?? 0x0800
        var out: [UInt8] = [2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2]
        out.append16(type)
        return out + ip
    }

    static func bindingRequest(_ id: TransactionID, peerCheck: Bool = false, change: ChangeRequest? = nil) -> [UInt8] {
        var message = STUNMessage(type: STUNMessageType(method: .binding, messageClass: .request), transactionID: id)
        if peerCheck { message.append(Priority(1_853_824_767)) }
        if let change { message.append(change) }
        return message.encoded(fingerprint: true)
    }

    static func bindingResponse(_ id: TransactionID, mapped: TransportAddress) -> [UInt8] {
        var message = STUNMessage(type: STUNMessageType(method: .binding, messageClass: .successResponse), transactionID: id)
        message.append(XORMappedAddress(mapped))
        return message.encoded(fingerprint: true)
    }

    static func wireGuardInitiation(sender: UInt32) -> [UInt8] {
        var out: [UInt8] = [1, 0, 0, 0]
        out.append32(sender.byteSwapped)
        return out + [UInt8](repeating: 0xAB, count: 140)
    }

    static func wireGuardResponse(sender: UInt32, receiver: UInt32) -> [UInt8] {
        var out: [UInt8] = [2, 0, 0, 0]
        out.append32(sender.byteSwapped)
        out.append32(receiver.byteSwapped)
        return out + [UInt8](repeating: 0xCD, count: 80)
    }

    static func id(_ n: UInt8) -> TransactionID { TransactionID(bytes: [UInt8](repeating: n, count: 12))! }

    /// A capture builder: frames are added with a time in milliseconds and an interface.
    struct Builder {
        var interfaces: [CaptureInterface]
        var frames: [CapturedFrame] = []

        init(_ interfaces: [CaptureInterface] = [CaptureInterface(name: "eth0", linkType: .ethernet)]) {
            self.interfaces = interfaces
        }

        mutating func add(_ ms: Double, _ ip: [UInt8], on interface: Int = 0) {
            let frame = interfaces[interface].linkType == .ethernet ? Craft.ethernet(ip) : ip
            frames.append(CapturedFrame(timestampNanos: 1_700_000_000_000_000_000 + Int64(ms * 1e6), interface: interface, originalLength: frame.count, bytes: frame))
        }

        var capture: Capture { Capture(interfaces: interfaces, frames: frames.sorted { $0.timestampNanos < $1.timestampNanos }) }

        func findings(locals: [String] = []) -> [TraceFinding] {
            TraceAnalyzer.report(capture, locals: Set(locals.map(Craft.ip)), source: "crafted").findings
        }
    }
}
