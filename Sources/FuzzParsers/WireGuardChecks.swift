import FuzzSupport
import NATCore
import NATWire

/// What natctl reads while it punches for WireGuard: the UAPI `get` answer and `wg show dump`
/// (from a daemon or tool that could be any version), ICMP errors from anyone on the path, and
/// the packets the shared-port capture hands on. Reading never traps, and what is read is
/// consistent with the bytes it came from.
enum WireGuardChecks {
    static func run(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        if let device = try? WireGuardUAPI.parseGet(text) {
            fuzzRequire(text.contains("errno=0") || text.contains("errno=-0"), "a UAPI answer without errno=0 was accepted")
            for peer in device.peers { fuzzRequire(WireGuardKey(peer.publicKey.hex) == peer.publicKey, "a peer key does not read back") }
        }
        if let device = try? WireGuardTool.parseDump(text) {
            fuzzRequire(device.peers.count < max(1, text.split(separator: "\n").count), "more peers than lines")
        }
        if let (destination, _) = ICMPErrorWatcher.parseIPv4(bytes, port: 51820) {
            fuzzRequire(destination.ip.family == .ipv4 && bytes.count >= 56, "an ICMP error read from \(bytes.count) bytes")
        }
        _ = ICMPErrorWatcher.parseIPv6(bytes, port: 51820)
        if let (_, payload) = SharedPortCapture.parse(bytes[...]) {
            fuzzRequire(payload.count + 28 <= bytes.count, "a captured payload longer than its packet")
        }
    }
}
