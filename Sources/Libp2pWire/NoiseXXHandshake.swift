import Crypto
import Foundation

/// The Noise XX handshake libp2p secures TCP with (`/noise`, Noise_XX_25519_ChaChaPoly_SHA256):
///
///     -> e
///     <- e, ee, s, es   (+ responder's payload)
///     -> s, se          (+ initiator's payload)
///
/// A value without I/O: each step takes or returns one handshake message (the bytes inside
/// the 2-byte length frame). The payloads carry the libp2p identities (`NoiseHandshakePayload`).
public struct NoiseXXHandshake {
    public static let protocolName = "Noise_XX_25519_ChaChaPoly_SHA256"
    public let initiator: Bool
    let staticKey: Curve25519.KeyAgreement.PrivateKey
    let ephemeral: Curve25519.KeyAgreement.PrivateKey
    var remoteEphemeral: Curve25519.KeyAgreement.PublicKey?
    /// The peer's static Noise key, once its message carrying it has been read.
    public private(set) var remoteStatic: [UInt8]?
    var symmetric = NoiseSymmetricState(protocolName: protocolName)

    public init(
        initiator: Bool, staticKey: Curve25519.KeyAgreement.PrivateKey = .init(), ephemeral: Curve25519.KeyAgreement.PrivateKey = .init()
    ) {
        self.initiator = initiator
        self.staticKey = staticKey
        self.ephemeral = ephemeral
        symmetric.mixHash([])  // the empty prologue
    }

    public var staticPublicKey: [UInt8] { Array(staticKey.publicKey.rawRepresentation) }

    static let keyLength = 32

    // MARK: Initiator

    public mutating func writeFirst() throws -> [UInt8] {
        let e = Array(ephemeral.publicKey.rawRepresentation)
        symmetric.mixHash(e)
        return e + (try symmetric.encryptAndHash([]))
    }

    /// Reads the responder's message; returns its payload.
    public mutating func readSecond(_ message: [UInt8]) throws(Libp2pDecodeError) -> [UInt8] {
        let place = "Noise handshake message 2"
        let encryptedStatic = Self.keyLength + NoiseCipherState.tagLength
        guard message.count >= Self.keyLength + encryptedStatic else { throw Libp2pDecodeError(place, "\(message.count) bytes is too short") }
        let re = Array(message[0..<Self.keyLength])
        remoteEphemeral = try Self.publicKey(re, place)
        symmetric.mixHash(re)
        try mix(ephemeral, remoteEphemeral, place)  // ee
        let rs = try symmetric.decryptAndHash(Array(message[Self.keyLength..<(Self.keyLength + encryptedStatic)]))
        remoteStatic = rs
        try mix(ephemeral, try Self.publicKey(rs, place), place)  // es
        return try symmetric.decryptAndHash(Array(message[(Self.keyLength + encryptedStatic)...]))
    }

    public mutating func writeThird(payload: [UInt8]) throws -> [UInt8] {
        let s = try symmetric.encryptAndHash(staticPublicKey)
        try mix(staticKey, remoteEphemeral, "Noise handshake message 3")  // se
        return s + (try symmetric.encryptAndHash(payload))
    }

    // MARK: Responder

    public mutating func readFirst(_ message: [UInt8]) throws(Libp2pDecodeError) -> [UInt8] {
        let place = "Noise handshake message 1"
        guard message.count >= Self.keyLength else { throw Libp2pDecodeError(place, "\(message.count) bytes is too short") }
        let re = Array(message[0..<Self.keyLength])
        remoteEphemeral = try Self.publicKey(re, place)
        symmetric.mixHash(re)
        return try symmetric.decryptAndHash(Array(message[Self.keyLength...]))
    }

    public mutating func writeSecond(payload: [UInt8]) throws -> [UInt8] {
        let e = Array(ephemeral.publicKey.rawRepresentation)
        symmetric.mixHash(e)
        try mix(ephemeral, remoteEphemeral, "Noise handshake message 2")  // ee
        let s = try symmetric.encryptAndHash(staticPublicKey)
        try mix(staticKey, remoteEphemeral, "Noise handshake message 2")  // es
        return e + s + (try symmetric.encryptAndHash(payload))
    }

    public mutating func readThird(_ message: [UInt8]) throws(Libp2pDecodeError) -> [UInt8] {
        let place = "Noise handshake message 3"
        let encryptedStatic = Self.keyLength + NoiseCipherState.tagLength
        guard message.count >= encryptedStatic else { throw Libp2pDecodeError(place, "\(message.count) bytes is too short") }
        let rs = try symmetric.decryptAndHash(Array(message[0..<encryptedStatic]))
        remoteStatic = rs
        try mix(ephemeral, try Self.publicKey(rs, place), place)  // se
        return try symmetric.decryptAndHash(Array(message[encryptedStatic...]))
    }

    // MARK: After

    /// The transport ciphers once all three messages are through: (sending, receiving).
    public func transportCiphers() -> (send: NoiseCipherState, receive: NoiseCipherState) {
        let (initiatorToResponder, responderToInitiator) = symmetric.split()
        return initiator ? (initiatorToResponder, responderToInitiator) : (responderToInitiator, initiatorToResponder)
    }

    private mutating func mix(
        _ local: Curve25519.KeyAgreement.PrivateKey, _ remote: Curve25519.KeyAgreement.PublicKey?, _ place: String
    ) throws(Libp2pDecodeError) {
        guard let remote, let secret = try? local.sharedSecretFromKeyAgreement(with: remote) else {
            throw Libp2pDecodeError(place, "Diffie-Hellman failed (a low-order key)")
        }
        symmetric.mixKey(secret.withUnsafeBytes { Array($0) })
    }

    private static func publicKey(_ bytes: [UInt8], _ place: String) throws(Libp2pDecodeError) -> Curve25519.KeyAgreement.PublicKey {
        guard let key = try? Curve25519.KeyAgreement.PublicKey(rawRepresentation: bytes) else {
            throw Libp2pDecodeError(place, "not an X25519 key")
        }
        return key
    }
}
