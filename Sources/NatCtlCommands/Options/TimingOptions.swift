import ArgumentParser
import NATCore

/// `--timeout`, `--rto` and `--max-transmissions`, shared by every command that waits on the network.
struct TimingOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Upper bound on the whole command, in seconds.", valueName: "seconds"))
    var timeout: Double = 3

    @Option(
        name: .long,
        help: ArgumentHelp("Initial retransmission timeout, in milliseconds (doubles on each retry).", valueName: "ms"))
    var rto: Int = 200

    @Option(name: .long, help: "Times each request is sent before giving up (RFC 8489's Rc).")
    var maxTransmissions: Int = 7

    func validate() throws {
        guard timeout > 0, timeout <= 3600 else { throw ValidationError("--timeout must be between 0 and 3600 seconds, not \(timeout)") }
        guard (1...60_000).contains(rto) else { throw ValidationError("--rto must be 1 to 60000 ms, not \(rto)") }
        guard (1...20).contains(maxTransmissions) else {
            throw ValidationError("--max-transmissions must be 1 to 20, not \(maxTransmissions)")
        }
    }

    var timeoutDuration: Duration { .milliseconds(Int(timeout * 1000)) }

    var policy: RetransmissionPolicy {
        RetransmissionPolicy(rto: .milliseconds(rto), maxTransmissions: maxTransmissions, finalWaitMultiplier: 8)
    }
}
