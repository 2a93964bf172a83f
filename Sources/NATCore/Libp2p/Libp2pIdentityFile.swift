import Foundation
import Libp2pWire

/// natctl's libp2p identity kept in a file, so a relay keeps its peer ID (and the addresses
/// peers stored for it) across restarts. The file holds libp2p's marshalled private key, the
/// `PrivateKey` protobuf other implementations write too: type Ed25519, data the 32-byte seed
/// then the 32-byte public key. It is made (mode 0600) when missing.
public enum Libp2pIdentityFile {
    public enum Failure: Error, CustomStringConvertible {
        case unreadable(String, String)
        case malformed(String, String)

        public var description: String {
            switch self {
            case .unreadable(let path, let why): "cannot read or write the identity file \(path): \(why)"
            case .malformed(let path, let why): "the identity file \(path) is not a libp2p Ed25519 private key: \(why)"
            }
        }
    }

    /// The identity in `path`, made and written there first if the file does not exist.
    public static func load(_ path: String) throws(Failure) -> Libp2pIdentity {
        guard FileManager.default.fileExists(atPath: path) else {
            let identity = Libp2pIdentity()
            let created = FileManager.default.createFile(atPath: path, contents: Data(identity.marshalled), attributes: [.posixPermissions: 0o600])
            guard created else { throw .unreadable(path, "could not create it") }
            return identity
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw .unreadable(path, "could not read it") }
        do { return try Libp2pIdentity(marshalled: Array(data)) } catch { throw .malformed(path, error.reason) }
    }
}
