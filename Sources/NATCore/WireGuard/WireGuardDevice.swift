import Crypto
import NATWire

/// What natctl reads from a WireGuard interface: its port and its peers (UAPI `get`, or
/// `wg show IFACE dump`).
public struct WireGuardDevice: Sendable, Equatable {
    public var listenPort: UInt16 = 0
    /// The mark WireGuard puts on its own packets (0: none). wg-quick's full tunnel routes
    /// every unmarked packet into the tunnel, so what natctl sends for WireGuard's port carries
    /// the mark too.
    public var fwmark: UInt32 = 0
    /// The interface's own private key, when the reader could see it (never reported).
    var privateKey: WireGuardKey?
    public var peers: [WireGuardPeer] = []

    public func peer(_ key: WireGuardKey) -> WireGuardPeer? { peers.first { $0.publicKey == key } }

    /// The interface's public key, from its private key (Curve25519, as `wg pubkey`).
    public var publicKey: WireGuardKey? {
        guard let privateKey, let key = try? Curve25519.KeyAgreement.PrivateKey(rawRepresentation: privateKey.bytes) else { return nil }
        return WireGuardKey(bytes: Array(key.publicKey.rawRepresentation))
    }
}

/// One peer's configuration and state.
public struct WireGuardPeer: Sendable, Equatable {
    public var publicKey: WireGuardKey
    public var presharedKey: WireGuardKey?
    public var endpoint: TransportAddress?
    /// Time of the latest completed handshake (Unix nanoseconds), nil before the first.
    public var lastHandshakeNanoseconds: Int64?
    public var rxBytes: UInt64 = 0
    public var txBytes: UInt64 = 0
    /// Persistent keepalive interval in seconds (0: off).
    public var keepalive: UInt16 = 0
    /// Allowed IPs as prefixes, e.g. `10.9.0.2/32`.
    public var allowedIPs: [String] = []

    public init(publicKey: WireGuardKey) { self.publicKey = publicKey }
}

/// A change to one peer, in the order a UAPI `set` (or `wg set`) applies it.
public struct WireGuardPeerChange: Sendable, Equatable {
    /// The peer's whole configuration after the change.
    public var peer: WireGuardPeer
    /// Remove the peer first and add it afresh: a new peer has no handshake state, so
    /// WireGuard's 5 s limit between handshake initiations no longer holds it back.
    public var recreate: Bool
    /// Set the keepalive from 0 to this value, which makes WireGuard send a keepalive (and so
    /// a handshake initiation) at once.
    public var triggerKeepalive: UInt16?

    public init(peer: WireGuardPeer, recreate: Bool, triggerKeepalive: UInt16? = nil) {
        self.peer = peer
        self.recreate = recreate
        self.triggerKeepalive = triggerKeepalive
    }
}

/// The UAPI text protocol (wireguard-go's, which `wg` also speaks): `get=1` answers
/// `key=value` lines ending in `errno=N` and a blank line; `set=1` takes lines up to a blank one.
public enum WireGuardUAPI {
    public static let getRequest = "get=1\n\n"

    /// Parses a `get` answer; throws on a non-zero errno or a line it cannot read.
    public static func parseGet(_ text: String) throws(WireGuardError) -> WireGuardDevice {
        var device = WireGuardDevice()
        var errno: Int?
        /// The current peer's last_handshake_time_sec, in nanoseconds.
        var handshakeSeconds: Int64?
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            guard let equals = line.firstIndex(of: "=") else { throw .protocolError("a line without '=': \(line.prefix(80))") }
            let key = line[..<equals]
            let value = String(line[line.index(after: equals)...])
            if key == "public_key" {
                guard let peerKey = WireGuardKey(value) else { throw .protocolError("bad public_key \(value.prefix(80))") }
                device.peers.append(WireGuardPeer(publicKey: peerKey))
                handshakeSeconds = nil
                continue
            }
            if key == "errno" {
                errno = Self.errnoValue(value)
                continue
            }
            guard !device.peers.isEmpty else {
                switch key {
                case "listen_port": device.listenPort = UInt16(value) ?? 0
                case "fwmark": device.fwmark = UInt32(value) ?? 0
                case "private_key": device.privateKey = WireGuardKey(value)
                default: break
                }
                continue
            }
            let index = device.peers.count - 1
            switch key {
            case "preshared_key": device.peers[index].presharedKey = WireGuardKey(value).flatMap { $0.isZero ? nil : $0 }
            case "endpoint": device.peers[index].endpoint = TransportAddress(value)
            case "last_handshake_time_sec":
                handshakeSeconds = nil
                if let seconds = Int64(value), seconds > 0 {
                    guard let nanoseconds = WireGuardUAPI.nanoseconds(seconds: seconds) else { throw .protocolError("last_handshake_time_sec \(seconds) is out of range") }
                    handshakeSeconds = nanoseconds
                    device.peers[index].lastHandshakeNanoseconds = nanoseconds
                }
            case "last_handshake_time_nsec":
                // Added to the seconds line's value (not to an earlier sum), checked for overflow.
                if let nanoseconds = Int64(value), (0..<1_000_000_000).contains(nanoseconds), let seconds = handshakeSeconds {
                    let (sum, overflow) = seconds.addingReportingOverflow(nanoseconds)
                    guard !overflow else { throw .protocolError("last_handshake_time \(seconds) + \(nanoseconds) ns is out of range") }
                    device.peers[index].lastHandshakeNanoseconds = sum
                }
            case "rx_bytes": device.peers[index].rxBytes = UInt64(value) ?? 0
            case "tx_bytes": device.peers[index].txBytes = UInt64(value) ?? 0
            case "persistent_keepalive_interval": device.peers[index].keepalive = UInt16(value) ?? 0
            case "allowed_ip": device.peers[index].allowedIPs.append(value)
            default: break
            }
        }
        guard let errno else { throw .protocolError("the answer ended without errno") }
        guard errno == 0 else { throw .refused(errno: errno) }
        return device
    }

    /// The `set` request for `changes`, ending in the blank line.
    public static func setRequest(_ changes: [WireGuardPeerChange]) -> String {
        var lines = ["set=1"]
        for change in changes {
            let peer = change.peer
            lines.append("public_key=\(peer.publicKey.hex)")
            if change.recreate {
                lines.append("remove=true")
                lines.append("public_key=\(peer.publicKey.hex)")
            }
            if let psk = peer.presharedKey { lines.append("preshared_key=\(psk.hex)") }
            if let endpoint = peer.endpoint { lines.append("endpoint=\(endpoint)") }
            if let trigger = change.triggerKeepalive {
                // Last one wins in wireguard-go: 0 then N turns the keepalive "on", which sends one.
                lines.append("persistent_keepalive_interval=0")
                lines.append("persistent_keepalive_interval=\(max(1, trigger))")
            } else {
                lines.append("persistent_keepalive_interval=\(peer.keepalive)")
            }
            lines.append("replace_allowed_ips=true")
            lines += peer.allowedIPs.map { "allowed_ip=\($0)" }
        }
        return lines.joined(separator: "\n") + "\n\n"
    }

    /// Seconds as Unix nanoseconds; nil past what Int64 holds (year 2262).
    static func nanoseconds(seconds: Int64) -> Int64? {
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? nil : product
    }

    /// An errno value as wireguard-go writes it: digits, negative when it failed.
    static func errnoValue(_ text: some StringProtocol) -> Int? {
        let digits = text.hasPrefix("-") ? text.dropFirst() : text[...]
        guard !digits.isEmpty, digits.count < 10, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(text)
    }

    /// The errno of a `set` answer (`errno=N` and a blank line).
    public static func parseSetAnswer(_ text: String) throws(WireGuardError) {
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("errno=") }), let errno = errnoValue(line.dropFirst(6)) else {
            throw .protocolError("the answer to set had no errno: \(text.prefix(80))")
        }
        guard errno == 0 else { throw .refused(errno: errno) }
    }
}
