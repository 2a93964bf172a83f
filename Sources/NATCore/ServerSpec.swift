import Foundation
import NATWire

/// A STUN server as the user named it: `host:port`, `[v6]:port`, or a bare host (port 3478).
public struct ServerSpec: Hashable, Sendable, CustomStringConvertible {
    public static let defaultPort: UInt16 = 3478

    public var host: String
    public var port: UInt16

    public init(host: String, port: UInt16 = defaultPort) {
        self.host = host
        self.port = port
    }

    /// Parses a server argument; nil when it cannot be an endpoint. A bare IPv6 literal is
    /// refused because `2001:db8::1:3478` could mean either a port or the last address group:
    /// write `[2001:db8::1]:3478` or `[2001:db8::1]`.
    public init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let (host, port) = TransportAddress.splitHostPort(trimmed) {
            guard port != 0, !host.contains(" ") else { return nil }
            self.init(host: host, port: port)
        } else if trimmed.hasPrefix("["), trimmed.hasSuffix("]"), IPAddress(String(trimmed.dropFirst().dropLast())) != nil {
            self.init(host: String(trimmed.dropFirst().dropLast()))
        } else if !trimmed.isEmpty, !trimmed.contains(where: { $0 == " " || $0 == ":" || $0 == "[" || $0 == "]" }) {
            self.init(host: trimmed)
        } else {
            return nil
        }
    }

    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// Well-known public STUN servers, used when neither `--server` nor `NATCTL_SERVERS` names one.
    public static let defaults: [ServerSpec] = [
        ServerSpec(host: "stun.l.google.com", port: 19302),
        ServerSpec(host: "stun1.l.google.com", port: 19302),
        ServerSpec(host: "stun.cloudflare.com", port: 3478),
        ServerSpec(host: "global.stun.twilio.com", port: 3478),
    ]
}
