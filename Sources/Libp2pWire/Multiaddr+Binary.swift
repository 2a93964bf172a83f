import NATWire

extension Multiaddr {
    /// The binary form (as in identify's listen and observed addresses).
    public var bytes: [UInt8] {
        components.flatMap { component -> [UInt8] in
            switch component {
            case .ip4(let ip): Varint.encode(Code.ip4.rawValue) + ip.bytes
            case .ip6(let ip): Varint.encode(Code.ip6.rawValue) + ip.bytes
            case .tcp(let port): Varint.encode(Code.tcp.rawValue) + [UInt8(port >> 8), UInt8(port & 0xFF)]
            case .udp(let port): Varint.encode(Code.udp.rawValue) + [UInt8(port >> 8), UInt8(port & 0xFF)]
            case .dns(let name): Self.prefixed(.dns, Array(name.utf8))
            case .dns4(let name): Self.prefixed(.dns4, Array(name.utf8))
            case .dns6(let name): Self.prefixed(.dns6, Array(name.utf8))
            case .dnsaddr(let name): Self.prefixed(.dnsaddr, Array(name.utf8))
            case .p2p(let peer): Self.prefixed(.p2p, peer.bytes)
            case .p2pCircuit: Varint.encode(Code.p2pCircuit.rawValue)
            case .flag(let proto): Varint.encode(proto.rawValue)
            }
        }
    }

    private static func prefixed(_ proto: Code, _ value: [UInt8]) -> [UInt8] {
        Varint.encode(proto.rawValue) + Varint.encode(UInt64(value.count)) + value
    }

    /// Decodes the binary form; throws naming the protocol code or value that is wrong.
    public init(bytes: [UInt8]) throws(Libp2pDecodeError) {
        let place = "binary multiaddr"
        var components: [Component] = []
        var offset = 0
        while offset < bytes.count {
            guard let (code, codeLength) = try Varint.decode(bytes[offset...], place: place) else {
                throw Libp2pDecodeError(place, "truncated protocol code")
            }
            offset += codeLength
            guard let proto = Code(rawValue: code) else { throw Libp2pDecodeError(place, "unknown protocol code \(code)") }
            func take(_ count: Int) throws(Libp2pDecodeError) -> [UInt8] {
                guard bytes.count - offset >= count else { throw Libp2pDecodeError(place, "/\(proto.name): \(count) bytes needed, \(bytes.count - offset) left") }
                defer { offset += count }
                return Array(bytes[offset..<(offset + count)])
            }
            func takePrefixed() throws(Libp2pDecodeError) -> [UInt8] {
                guard let (length, lengthLength) = try Varint.decode(bytes[offset...], place: place), length <= 1024 else {
                    throw Libp2pDecodeError(place, "/\(proto.name): bad length")
                }
                offset += lengthLength
                return try take(Int(length))
            }
            switch proto {
            case .ip4, .ip6:
                guard let ip = IPAddress(bytes: try take(proto == .ip4 ? 4 : 16)) else { throw Libp2pDecodeError(place, "/\(proto.name): bad address") }
                components.append(proto == .ip4 ? .ip4(ip) : .ip6(ip))
            case .tcp, .udp:
                let port = try take(2).reduce(UInt16(0)) { $0 << 8 | UInt16($1) }
                components.append(proto == .tcp ? .tcp(port) : .udp(port))
            case .dns, .dns4, .dns6, .dnsaddr:
                guard let name = String(validating: try takePrefixed(), as: UTF8.self) else { throw Libp2pDecodeError(place, "/\(proto.name): not UTF-8") }
                components.append(proto == .dns ? .dns(name) : proto == .dns4 ? .dns4(name) : proto == .dns6 ? .dns6(name) : .dnsaddr(name))
            case .p2p: components.append(.p2p(try PeerID(bytes: try takePrefixed())))
            case .p2pCircuit: components.append(.p2pCircuit)
            default: components.append(.flag(proto))
            }
        }
        guard !components.isEmpty else { throw Libp2pDecodeError(place, "empty") }
        self.components = components
    }
}
