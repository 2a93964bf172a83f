import ArgumentParser
import Foundation
import NATCore
import NATServer
import NATWire

/// Which TURN server and credentials `relay test` and `relay connect` use: the flags, else
/// `NATCTL_SERVERS` and `NATCTL_TURN_USER`/`NATCTL_TURN_PASSWORD` (which `lab exec` sets).
struct TURNClientOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("TURN server, host:port (default: first of NATCTL_SERVERS).", valueName: "host:port"))
    var server: String?

    @Option(name: .long, help: ArgumentHelp("TURN username (default: NATCTL_TURN_USER).", valueName: "name"))
    var user: String?

    @Option(name: .long, help: ArgumentHelp("TURN password (default: NATCTL_TURN_PASSWORD).", valueName: "password"))
    var password: String?

    @Option(name: .customLong("auth-secret"), help: ArgumentHelp(
        "Derive time-limited credentials from the server's shared secret (coturn use-auth-secret); --user is the name part.",
        valueName: "secret"))
    var authSecret: String?

    func validate() throws {
        if authSecret != nil && password != nil { throw ValidationError("give --password or --auth-secret, not both") }
        if password != nil && resolvedUser == nil { throw ValidationError("--password needs --user") }
    }

    private var environment: [String: String] { ProcessInfo.processInfo.environment }
    private var resolvedUser: String? { user ?? environment["NATCTL_TURN_USER"] }

    /// The credential to offer, or nil to try without one.
    var credential: TURNCredential? {
        if let authSecret {
            let made = TURNCredentials.sharedSecretCredential(secret: authSecret, name: resolvedUser ?? "natctl", validFor: 3600)
            return TURNCredential(username: made.username, password: made.password)
        }
        guard let name = resolvedUser, let secret = password ?? environment["NATCTL_TURN_PASSWORD"] else { return nil }
        return TURNCredential(username: name, password: secret)
    }

    /// The server's address, resolved.
    func serverAddress(limit: Duration) async throws -> TransportAddress {
        guard let address = try await ServerChoice.firstNamed(server.map { [$0] } ?? [], limit: limit) else {
            throw ValidationError("name a TURN server with --server host:port (or set NATCTL_SERVERS)")
        }
        return address
    }
}
