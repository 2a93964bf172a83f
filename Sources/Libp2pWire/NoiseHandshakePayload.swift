/// What each side of libp2p's Noise handshake sends inside it (libp2p noise spec): its identity
/// key, and that key's signature over "noise-libp2p-static-key:" and its Noise static key, which
/// binds the encrypted session to the libp2p peer ID.
public struct NoiseHandshakePayload: Equatable, Sendable {
    public static let signaturePrefix = Array("noise-libp2p-static-key:".utf8)
    public var identityKey: Libp2pPublicKey
    public var identitySignature: [UInt8]

    public init(identityKey: Libp2pPublicKey, identitySignature: [UInt8]) {
        self.identityKey = identityKey
        self.identitySignature = identitySignature
    }

    /// The payload `identity` sends for its Noise static key.
    public init(signing staticKey: [UInt8], with identity: Libp2pIdentity) throws {
        identityKey = identity.publicKey
        identitySignature = try identity.sign(Self.signaturePrefix + staticKey)
    }

    public var encoded: [UInt8] {
        var writer = ProtobufWriter()
        writer.lengthDelimited(1, identityKey.encoded)
        writer.lengthDelimited(2, identitySignature)
        return writer.bytes
    }

    public init(encoded: [UInt8]) throws(Libp2pDecodeError) {
        let place = "NoiseHandshakePayload"
        var key: Libp2pPublicKey?
        var signature: [UInt8]?
        for (field, value) in try ProtobufReader.fields(encoded, place: place) {
            switch field {
            case 1: key = try Libp2pPublicKey(encoded: try value.bytes("\(place).identity_key"))
            case 2: signature = try value.bytes("\(place).identity_sig")
            default: continue  // extensions (early muxer negotiation, WebTransport hashes)
            }
        }
        guard let key, let signature else { throw Libp2pDecodeError(place, "needs identity_key and identity_sig") }
        identityKey = key
        identitySignature = signature
    }

    /// Whether the signature binds `staticKey` to the identity key: nil when natctl cannot check
    /// the key's type.
    public func signs(staticKey: [UInt8]) -> Bool? {
        identityKey.verifies(identitySignature, over: Self.signaturePrefix + staticKey)
    }
}
