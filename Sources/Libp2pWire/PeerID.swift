import Crypto
import Foundation

/// A libp2p public key as peers exchange it (the `PublicKey` protobuf: field 1 the key type,
/// field 2 the key bytes). natctl makes and checks Ed25519 keys, the default of go-, rust- and
/// py-libp2p; other types are carried and hashed into peer IDs, but their signatures go unchecked.
public struct Libp2pPublicKey: Hashable, Sendable {
    public enum KeyType: UInt64, Sendable {
        case rsa = 0, ed25519 = 1, secp256k1 = 2, ecdsa = 3
    }

    public let type: KeyType
    public let data: [UInt8]

    public init(type: KeyType, data: [UInt8]) {
        self.type = type
        self.data = data
    }

    /// The protobuf encoding (deterministic: type, then data).
    public var encoded: [UInt8] {
        var writer = ProtobufWriter()
        writer.number(1, type.rawValue)
        writer.lengthDelimited(2, data)
        return writer.bytes
    }

    public init(encoded: [UInt8]) throws(Libp2pDecodeError) {
        let place = "PublicKey"
        var type: KeyType?
        var data: [UInt8]?
        for (field, value) in try ProtobufReader.fields(encoded, place: place) {
            switch field {
            case 1:
                let raw = try value.varint("\(place).Type")
                guard let known = KeyType(rawValue: raw) else { throw Libp2pDecodeError("\(place).Type", "unknown key type \(raw)") }
                type = known
            case 2: data = try value.bytes("\(place).Data")
            default: continue
            }
        }
        guard let type, let data else { throw Libp2pDecodeError(place, "needs Type and Data") }
        if type == .ed25519, data.count != 32 { throw Libp2pDecodeError("\(place).Data", "an Ed25519 key is 32 bytes, not \(data.count)") }
        self.type = type
        self.data = data
    }

    /// Whether `signature` signs `message` under this key: nil when natctl cannot check this
    /// key type (only Ed25519 is checked).
    public func verifies(_ signature: [UInt8], over message: [UInt8]) -> Bool? {
        guard type == .ed25519 else { return nil }
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: data) else { return false }
        return key.isValidSignature(signature, for: message)
    }

    public var peerID: PeerID { PeerID(publicKey: self) }
}

/// A peer ID: the multihash of the peer's encoded public key (the identity multihash when the
/// encoding is at most 42 bytes, as an Ed25519 key's is, else SHA-256), printed in base58btc.
public struct PeerID: Hashable, Sendable, CustomStringConvertible {
    /// The multihash bytes.
    public let bytes: [UInt8]

    static let identityCode: UInt8 = 0x00
    static let sha256Code: UInt8 = 0x12

    public init(publicKey: Libp2pPublicKey) {
        let encoded = publicKey.encoded
        bytes =
            encoded.count <= 42
            ? [Self.identityCode, UInt8(encoded.count)] + encoded
            : [Self.sha256Code, 32] + Array(SHA256.hash(data: encoded))
    }

    /// From multihash bytes; throws unless they are an identity or SHA-256 multihash.
    public init(bytes: [UInt8]) throws(Libp2pDecodeError) {
        guard bytes.count >= 2 else { throw Libp2pDecodeError("peer ID", "\(bytes.count) bytes is too short for a multihash") }
        switch bytes[0] {
        case Self.identityCode where Int(bytes[1]) == bytes.count - 2 && bytes.count <= 44: break
        case Self.sha256Code where bytes[1] == 32 && bytes.count == 34: break
        default: throw Libp2pDecodeError("peer ID", "not an identity or SHA-256 multihash (code \(bytes[0]), length \(bytes[1]))")
        }
        self.bytes = bytes
    }

    /// From base58btc text (`12D3KooW...`, `Qm...`); nil when it is not one.
    public init?(_ text: String) {
        guard let decoded = Base58.decode(text), let peer = try? PeerID(bytes: decoded) else { return nil }
        self = peer
    }

    /// The public key inlined in an identity multihash (Ed25519 peer IDs carry their key).
    public var inlinedKey: Libp2pPublicKey? {
        guard bytes[0] == Self.identityCode else { return nil }
        return try? Libp2pPublicKey(encoded: Array(bytes.dropFirst(2)))
    }

    public var description: String { Base58.encode(bytes) }
}

/// An Ed25519 identity: natctl's own, made fresh for a run or kept in a file.
public struct Libp2pIdentity: Sendable {
    public let privateKey: Curve25519.Signing.PrivateKey

    public init(privateKey: Curve25519.Signing.PrivateKey = .init()) { self.privateKey = privateKey }

    public var publicKey: Libp2pPublicKey { Libp2pPublicKey(type: .ed25519, data: Array(privateKey.publicKey.rawRepresentation)) }
    public var peerID: PeerID { publicKey.peerID }

    public func sign(_ message: [UInt8]) throws -> [UInt8] { Array(try privateKey.signature(for: message)) }
}

extension Libp2pIdentity {
    /// libp2p's marshalled private key (the `PrivateKey` protobuf other implementations write
    /// too): type Ed25519, data the 32-byte seed then the 32-byte public key.
    public var marshalled: [UInt8] {
        var writer = ProtobufWriter()
        writer.number(1, Libp2pPublicKey.KeyType.ed25519.rawValue)
        writer.lengthDelimited(2, Array(privateKey.rawRepresentation) + publicKey.data)
        return writer.bytes
    }

    public init(marshalled bytes: [UInt8]) throws(Libp2pDecodeError) {
        let place = "PrivateKey"
        var type: UInt64?
        var data: [UInt8]?
        for (field, value) in try ProtobufReader.fields(bytes, place: place) {
            switch field {
            case 1: type = try value.varint("\(place).Type")
            case 2: data = try value.bytes("\(place).Data")
            default: continue
            }
        }
        guard type == Libp2pPublicKey.KeyType.ed25519.rawValue, let data, data.count == 64 || data.count == 32 else {
            throw Libp2pDecodeError(place, "natctl keeps Ed25519 keys (type 1, 64 bytes of data)")
        }
        guard let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: data.prefix(32)) else { throw Libp2pDecodeError(place, "not an Ed25519 seed") }
        if data.count == 64, Array(key.publicKey.rawRepresentation) != Array(data.suffix(32)) {
            throw Libp2pDecodeError(place, "its public half does not match its seed")
        }
        self.init(privateKey: key)
    }
}
