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

    @Option(name: .long, help: ArgumentHelp(
        "How to reach the server: udp, tcp (RFC 8656 over TCP) or tls (over TLS, port 5349 for a bare host); the relayed allocation is UDP either way.",
        valueName: "udp|tcp|tls"))
    var transport: TransportName = .udp

    @OptionGroup var trust: TLSTrustOptions

    enum TransportName: String, ExpressibleByArgument, CaseIterable {
        case udp, tcp, tls
    }

    func validate() throws {
        if authSecret != nil && password != nil { throw ValidationError("give --password or --auth-secret, not both") }
        if password != nil && resolvedUser == nil { throw ValidationError("--password needs --user") }
        try trust.validate(usesTLS: transport == .tls)
    }

    /// How to reach the server. TLS checks the certificate against the name in --server when
    /// it is a name, else against the server's IP address.
    var connection: ServerTransport {
        switch transport {
        case .udp: return .udp
        case .tcp: return .tcp
        case .tls:
            return .tls(trust.options(host: (try? ServerChoice.named(server.map { [$0] } ?? []).first)?.host))
        }
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

    /// The server's address, resolved; a bare host is port 5349 over TLS (RFC 8656 §3.1's
    /// "turns" port), 3478 otherwise.
    func serverAddress(limit: Duration) async throws -> TransportAddress {
        guard var address = try await ServerChoice.firstNamed(server.map { [$0] } ?? [], limit: limit) else {
            throw ValidationError("name a TURN server with --server host:port (or set NATCTL_SERVERS)")
        }
        if transport == .tls, let server, TransportAddress.splitHostPort(server.trimmingCharacters(in: .whitespaces)) == nil {
            address.port = 5349
        }
        return address
    }
}
