import ArgumentParser
import Foundation
import NATCore

/// Where servers come from for every command that talks to one: the flags, else
/// `NATCTL_SERVERS` (comma or space separated; `natctl lab exec` sets it), else the built-in list.
enum ServerChoice {
    static func servers(named flags: [String]) throws -> [ServerSpec] {
        let environment = ProcessInfo.processInfo.environment["NATCTL_SERVERS"].map {
            $0.split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
        }
        let named = !flags.isEmpty ? flags : (environment ?? [])
        if named.isEmpty { return ServerSpec.defaults }
        return try named.map { text in
            guard let spec = ServerSpec(parsing: text) else {
                throw ValidationError("'\(text)' is not a server address; use host:port or [v6]:port, e.g. 127.0.0.1:3478")
            }
            return spec
        }
    }
}
