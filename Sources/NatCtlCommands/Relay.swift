import ArgumentParser

extension NatCtl {
    /// `natctl relay`: the public helper node, and TURN clients for any relay.
    struct Relay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run natctl's helper server (STUN, RFC 5780, TURN), or use a TURN relay.",
            subcommands: [Serve.self, Test.self, Connect.self]
        )
    }
}
