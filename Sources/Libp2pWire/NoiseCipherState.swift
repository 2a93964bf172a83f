import Crypto
import Foundation

/// Noise's CipherState (Noise spec §5.1) for ChaChaPoly: a key and a 64-bit counter nonce,
/// little-endian after four zero bytes. Without a key, messages pass in the clear.
public struct NoiseCipherState: Sendable {
    var key: SymmetricKey?
    public private(set) var nonce: UInt64 = 0

    init(key: SymmetricKey? = nil) { self.key = key }

    static let tagLength = 16

    public mutating func encrypt(_ plaintext: [UInt8], ad: [UInt8] = []) throws -> [UInt8] {
        guard let key else { return plaintext }
        let box = try ChaChaPoly.seal(plaintext, using: key, nonce: try currentNonce(), authenticating: ad)
        nonce += 1
        return Array(box.ciphertext) + Array(box.tag)
    }

    public mutating func decrypt(_ ciphertext: [UInt8], ad: [UInt8] = []) throws(Libp2pDecodeError) -> [UInt8] {
        guard let key else { return ciphertext }
        guard ciphertext.count >= Self.tagLength else { throw Libp2pDecodeError("Noise message", "\(ciphertext.count) bytes is shorter than its tag") }
        do {
            let box = try ChaChaPoly.SealedBox(
                nonce: try currentNonce(), ciphertext: ciphertext.dropLast(Self.tagLength), tag: ciphertext.suffix(Self.tagLength))
            let plaintext = try ChaChaPoly.open(box, using: key, authenticating: ad)
            nonce += 1
            return Array(plaintext)
        } catch {
            throw Libp2pDecodeError("Noise message \(nonce)", "authentication failed")
        }
    }

    private func currentNonce() throws -> ChaChaPoly.Nonce {
        var bytes = [UInt8](repeating: 0, count: 4)
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: nonce >> UInt64(shift))) }
        return try ChaChaPoly.Nonce(data: bytes)
    }
}

/// Noise's SymmetricState (§5.2) with SHA-256: the chaining key, the handshake hash and the
/// cipher the handshake's messages are encrypted with once a key is mixed in.
struct NoiseSymmetricState {
    var chainingKey: [UInt8]
    var hash: [UInt8]
    var cipher = NoiseCipherState()

    init(protocolName: String) {
        let name = Array(protocolName.utf8)
        hash = name.count <= 32 ? name + [UInt8](repeating: 0, count: 32 - name.count) : Array(SHA256.hash(data: name))
        chainingKey = hash
    }

    mutating func mixHash(_ data: [UInt8]) { hash = Array(SHA256.hash(data: hash + data)) }

    mutating func mixKey(_ input: [UInt8]) {
        let (chaining, key) = Self.hkdf(chainingKey, input)
        chainingKey = chaining
        cipher = NoiseCipherState(key: SymmetricKey(data: key))
    }

    mutating func encryptAndHash(_ plaintext: [UInt8]) throws -> [UInt8] {
        let ciphertext = try cipher.encrypt(plaintext, ad: hash)
        mixHash(ciphertext)
        return ciphertext
    }

    mutating func decryptAndHash(_ ciphertext: [UInt8]) throws(Libp2pDecodeError) -> [UInt8] {
        let plaintext = try cipher.decrypt(ciphertext, ad: hash)
        mixHash(ciphertext)
        return plaintext
    }

    /// The two transport ciphers: initiator-to-responder first.
    func split() -> (NoiseCipherState, NoiseCipherState) {
        let (first, second) = Self.hkdf(chainingKey, [])
        return (NoiseCipherState(key: SymmetricKey(data: first)), NoiseCipherState(key: SymmetricKey(data: second)))
    }

    /// Noise's HKDF with two outputs (§4.3): HMAC-SHA256 keyed by the chaining key.
    static func hkdf(_ chainingKey: [UInt8], _ input: [UInt8]) -> ([UInt8], [UInt8]) {
        let temporary = SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: input, using: SymmetricKey(data: chainingKey)))
        let first = Array(HMAC<SHA256>.authenticationCode(for: [0x01], using: temporary))
        let second = Array(HMAC<SHA256>.authenticationCode(for: first + [0x02], using: temporary))
        return (first, second)
    }
}
