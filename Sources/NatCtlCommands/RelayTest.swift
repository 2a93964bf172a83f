import ArgumentParser
import NATCore
import NATWire

extension NatCtl.Relay {
    /// `natctl relay test`: allocate, echo through the relay, report.
    struct Test: AsyncParsableCommand, JSONDocumentCommand {
        static let schema = RelayTestReport.schema
        var printsJSON: Bool { output.json }

        static let configuration = CommandConfiguration(
            abstract: "Allocate on a TURN server and measure the relayed path (RTT, loss, throughput).",
            discussion: """
                Allocates a UDP relay (RFC 8656) on natctl's relay or any TURN server such as coturn, \
                binds a channel to an echo peer, sends --pings sequential echoes for the round \
                trip, then a burst of --count datagrams of --size bytes at --rate per second for \
                loss and throughput. Without --peer the echo is a second socket on this host, \
                which reaches the relay through your NAT like any peer would (the server must \
                permit your public IP as a peer). With --peer, name a UDP echo service \
                (coturn's turnutils_peer is one).

                Exit 0 when echoes came back, 2 when the allocation or the echo failed.

                Example:
                  natctl relay test --server 203.0.113.1:3478 --user alice --password secret --json
                """
        )

        @OptionGroup var turn: TURNClientOptions

        @Option(name: .long, help: ArgumentHelp("A UDP echo peer to relay to, ip:port (default: this host's own echo socket).", valueName: "ip:port"))
        var peer: String?

        @Option(name: .long, help: "Sequential echoes for the round-trip figure.")
        var pings = 10

        @Option(name: .long, help: "Datagrams in the throughput burst (0 skips it).")
        var count = 200

        @Option(name: .long, help: ArgumentHelp("Payload bytes per burst datagram.", valueName: "bytes"))
        var size = 1000

        @Option(name: .long, help: ArgumentHelp("Burst datagrams per second.", valueName: "per-second"))
        var rate = 1000

        @Option(name: .long, help: ArgumentHelp("Upper bound on each step, in seconds.", valueName: "seconds"))
        var timeout: Double = 5

        @OptionGroup var output: OutputOptions

        func validate() throws {
            if let peer, TransportAddress(peer) == nil { throw ValidationError("--peer '\(peer)' is not an ip:port or [v6]:port") }
            guard (1...100).contains(pings) else { throw ValidationError("--pings must be 1 to 100") }
            guard (0...100_000).contains(count) else { throw ValidationError("--count must be 0 to 100000") }
            guard (4...65_000).contains(size) else { throw ValidationError("--size must be 4 to 65000 bytes") }
            guard (1...1_000_000).contains(rate) else { throw ValidationError("--rate must be 1 to 1000000 per second") }
            guard timeout > 0, timeout <= 600 else { throw ValidationError("--timeout must be between 0 and 600 seconds") }
        }

        func run() async throws {
            let limit = Duration.milliseconds(Int(timeout * 1000))
            var options = RelayProbe.Options(server: try await turn.serverAddress(limit: limit), credential: turn.credential)
            options.peer = peer.flatMap(TransportAddress.init)
            options.pings = pings
            options.burstCount = count
            options.payloadBytes = size
            options.rate = rate
            options.timeout = limit
            options.transport = turn.connection
            var report = await RelayProbe.run(options)
            let failure = report.error.map { error in
                CommandFailure(
                    report.noAnswer ? .noAnswer : .relayFailed,
                    "relay test: \(error)" + (report.noAnswer ? "; check the address and the firewall" : ""))
            }
            report.failure = failure?.object
            try output.emit(report) { RelayRendering.text(report) }
            if let failure { throw failure }
        }
    }
}
