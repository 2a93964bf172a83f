/// The voucher a circuit relay v2 relay gives with a reservation: "relay R holds a slot for peer
/// P until T", signed by R and wrapped in a libp2p signed envelope (RFC 0002), so P can show
/// others where it is reachable.
public struct ReservationVoucher: Equatable, Sendable {
    /// The envelope's domain and payload type: the multicodec `libp2p-relay-rsvp` (0x0302)
    /// written as its two big-endian bytes, as go-, js- and py-libp2p write it (not as a
    /// varint: go-libp2p looks the type up byte for byte and refuses a voucher it cannot find).
    public static let domain = "libp2p-relay-rsvp"
    public static let payloadType: [UInt8] = [0x03, 0x02]

    public var relay: PeerID
    public var peer: PeerID
    /// Unix seconds.
    public var expiration: UInt64

    public init(relay: PeerID, peer: PeerID, expiration: UInt64) {
        (self.relay, self.peer, self.expiration) = (relay, peer, expiration)
    }

    public var payload: [UInt8] {
        var writer = ProtobufWriter()
        writer.lengthDelimited(1, relay.bytes)
        writer.lengthDelimited(2, peer.bytes)
        writer.number(3, expiration)
        return writer.bytes
    }

    public init(payload: [UInt8]) throws(Libp2pDecodeError) {
        let place = "ReservationVoucher"
        var relay: PeerID?
        var peer: PeerID?
        var expiration: UInt64?
        for (field, value) in try ProtobufReader.fields(payload, place: place) {
            switch field {
            case 1: relay = try PeerID(bytes: try value.bytes("\(place).relay"))
            case 2: peer = try PeerID(bytes: try value.bytes("\(place).peer"))
            case 3: expiration = try value.varint("\(place).expiration")
            default: continue
            }
        }
        guard let relay, let peer, let expiration else { throw Libp2pDecodeError(place, "needs relay, peer and expiration") }
        (self.relay, self.peer, self.expiration) = (relay, peer, expiration)
    }

    /// The voucher sealed in a signed envelope by the relay's identity.
    public func sealed(by identity: Libp2pIdentity) throws -> [UInt8] {
        let payload = payload
        let signature = try identity.sign(SignedEnvelope.signedBytes(domain: Self.domain, type: Self.payloadType, payload: payload))
        return SignedEnvelope(publicKey: identity.publicKey, payloadType: Self.payloadType, payload: payload, signature: signature).encoded
    }
}

/// A libp2p signed envelope (RFC 0002): a payload, its type, the signer's key and a signature
/// over the domain, type and payload, each varint-length-prefixed.
public struct SignedEnvelope: Equatable, Sendable {
    public var publicKey: Libp2pPublicKey
    public var payloadType: [UInt8]
    public var payload: [UInt8]
    public var signature: [UInt8]

    public init(publicKey: Libp2pPublicKey, payloadType: [UInt8], payload: [UInt8], signature: [UInt8]) {
        (self.publicKey, self.payloadType, self.payload, self.signature) = (publicKey, payloadType, payload, signature)
    }

    static func signedBytes(domain: String, type: [UInt8], payload: [UInt8]) -> [UInt8] {
        LengthPrefixed.frame(Array(domain.utf8)) + LengthPrefixed.frame(type) + LengthPrefixed.frame(payload)
    }

    /// Whether the signature holds for `domain` (nil for key types natctl does not check).
    public func verifies(domain: String) -> Bool? {
        publicKey.verifies(signature, over: Self.signedBytes(domain: domain, type: payloadType, payload: payload))
    }

    public var encoded: [UInt8] {
        var writer = ProtobufWriter()
        writer.lengthDelimited(1, publicKey.encoded)
        writer.lengthDelimited(2, payloadType)
        writer.lengthDelimited(3, payload)
        writer.lengthDelimited(5, signature)
        return writer.bytes
    }

    public init(encoded: [UInt8]) throws(Libp2pDecodeError) {
        let place = "Envelope"
        var key: Libp2pPublicKey?
        var type: [UInt8]?
        var payload: [UInt8]?
        var signature: [UInt8]?
        for (field, value) in try ProtobufReader.fields(encoded, place: place) {
            switch field {
            case 1: key = try Libp2pPublicKey(encoded: try value.bytes("\(place).public_key"))
            case 2: type = try value.bytes("\(place).payload_type")
            case 3: payload = try value.bytes("\(place).payload")
            case 5: signature = try value.bytes("\(place).signature")
            default: continue
            }
        }
        guard let key, let type, let payload, let signature else { throw Libp2pDecodeError(place, "needs public_key, payload_type, payload and signature") }
        (publicKey, payloadType, self.payload, self.signature) = (key, type, payload, signature)
    }
}
