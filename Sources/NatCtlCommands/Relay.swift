import ArgumentParser

extension NatCtl {
    /// `natctl relay`: the public helper node and (later) TURN clients.
    struct Relay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run natctl's public helper server (STUN with RFC 5780 alternate address).",
            subcommands: [Serve.self]
        )
    }
}
