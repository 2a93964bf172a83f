import ArgumentParser
import Foundation
import NATCore
import NATWire

/// Where servers come from for every command that talks to one: the flags, else
/// `NATCTL_SERVERS` (comma or space separated; `natctl lab exec` sets it), else the built-in list.
enum ServerChoice {
    static func servers(named flags: [String]) throws -> [ServerSpec] {
        let named = try self.named(flags)
        return named.isEmpty ? ServerSpec.defaults : named
    }

    /// The flags, else `NATCTL_SERVERS`; empty when neither names a server (no built-in list:
    /// for commands that need a server of a particular kind, such as a relay or rendezvous).
    static func named(_ flags: [String]) throws -> [ServerSpec] {
        let environment = ProcessInfo.processInfo.environment["NATCTL_SERVERS"].map {
            $0.split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
        }
        return try (!flags.isEmpty ? flags : (environment ?? [])).map { text in
            guard let spec = ServerSpec(parsing: text) else {
                throw ValidationError("'\(text)' is not a server address; use host:port or [v6]:port, e.g. 127.0.0.1:3478")
            }
            return spec
        }
    }

    /// The first named server (see `named`), resolved to an address; nil when none is named.
    /// A name that does not resolve fails with `name-not-resolved` (exit 2).
    static func firstNamed(_ flags: [String], limit: Duration) async throws -> TransportAddress? {
        guard let spec = try named(flags).first else { return nil }
        let ips: [IPAddress]
        do { ips = try await HostResolver.resolve(spec.host, limit: limit) } catch { throw CommandFailure.resolve(error) }
        guard let ip = ips.first else { throw CommandFailure(.nameNotResolved, "'\(spec.host)' has no address") }
        return TransportAddress(ip: ip, port: spec.port)
    }
}
