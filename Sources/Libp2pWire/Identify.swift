/// The identify message (`/ipfs/id/1.0.0`): what a peer says about itself and the address it
/// sees us at (`observedAddr`, natctl's reason to ask). Sent varint-length-prefixed on its own
/// stream, which the sender then closes.
public struct IdentifyMessage: Equatable, Sendable {
    public static let protocolID = "/ipfs/id/1.0.0"
    /// Longest message natctl reads (go-libp2p's limit is 8 KiB with a signed record; leave room).
    public static let maximumLength = 64 * 1024

    public var protocolVersion: String?
    public var agentVersion: String?
    public var publicKey: Libp2pPublicKey?
    public var listenAddrs: [Multiaddr] = []
    /// Listen addresses that did not decode (protocols natctl does not know), as hex-free notes.
    public var undecodedAddrs: [String] = []
    public var observedAddr: Multiaddr?
    public var protocols: [String] = []

    public init() {}

    public var encoded: [UInt8] {
        var writer = ProtobufWriter()
        if let publicKey { writer.lengthDelimited(1, publicKey.encoded) }
        for address in listenAddrs { writer.lengthDelimited(2, address.bytes) }
        for proto in protocols { writer.text(3, proto) }
        if let observedAddr { writer.lengthDelimited(4, observedAddr.bytes) }
        if let protocolVersion { writer.text(5, protocolVersion) }
        if let agentVersion { writer.text(6, agentVersion) }
        return writer.bytes
    }

    public init(encoded: [UInt8]) throws(Libp2pDecodeError) {
        let place = "Identify"
        for (field, value) in try ProtobufReader.fields(encoded, place: place) {
            switch field {
            case 1: publicKey = try Libp2pPublicKey(encoded: try value.bytes("\(place).publicKey"))
            case 2:
                do throws(Libp2pDecodeError) {
                    listenAddrs.append(try Multiaddr(bytes: try value.bytes("\(place).listenAddrs")))
                } catch {
                    undecodedAddrs.append(error.reason)
                }
            case 3: protocols.append(try value.string("\(place).protocols"))
            case 4: observedAddr = try Multiaddr(bytes: try value.bytes("\(place).observedAddr"))
            case 5: protocolVersion = try value.string("\(place).protocolVersion")
            case 6: agentVersion = try value.string("\(place).agentVersion")
            default: continue  // signedPeerRecord and fields to come
            }
        }
    }
}

/// Varint-length-prefixed messages, as libp2p's protobuf protocols send them on a stream.
public enum LengthPrefixed {
    public static func frame(_ message: [UInt8]) -> [UInt8] { Varint.encode(UInt64(message.count)) + message }

    /// The first message in `buffer` and the bytes it took; nil when incomplete.
    public static func parse(_ buffer: [UInt8], maximum: Int, place: String) throws(Libp2pDecodeError) -> (message: [UInt8], length: Int)? {
        guard let (length, lengthLength) = try Varint.decode(buffer, place: place) else { return nil }
        guard length <= UInt64(maximum) else { throw Libp2pDecodeError(place, "\(length) bytes, more than \(maximum)") }
        guard buffer.count >= lengthLength + Int(length) else { return nil }
        return (Array(buffer[lengthLength..<(lengthLength + Int(length))]), lengthLength + Int(length))
    }
}
