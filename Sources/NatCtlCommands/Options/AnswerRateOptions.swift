import ArgumentParser
import NATServer

/// `relay serve`'s per-source rate limits on unauthenticated answers (docs/protocol.md,
/// "Amplification and rate limits"). The defaults suit a public address; labs and load tests
/// that send from one IP raise them.
struct AnswerRateOptions: ParsableArguments {
    @Option(name: .customLong("stun-rate"), help: ArgumentHelp(
        "Binding answers (and TURN answers before authentication) per second per source IP, after a burst of twice as many.",
        valueName: "per-second"))
    var stunRate: Double = AnswerRates().stunPerSecond

    @Option(name: .customLong("rendezvous-rate"), help: ArgumentHelp(
        "Rendezvous answers per second per source IP, after a burst of twice as many.", valueName: "per-second"))
    var rendezvousRate: Double = AnswerRates().rendezvousPerSecond

    @Option(name: .customLong("dial-back-rate"), help: ArgumentHelp(
        "Dial-back requests carried out per second per source IP, after a burst of 5 (or twice the rate).", valueName: "per-second"))
    var dialBackRate: Double = AnswerRates().dialBackPerSecond

    func validate() throws {
        for (flag, value) in [("--stun-rate", stunRate), ("--rendezvous-rate", rendezvousRate), ("--dial-back-rate", dialBackRate)] {
            guard value > 0, value <= 1_000_000 else { throw ValidationError("\(flag) must be above 0 and at most 1000000 per second") }
        }
    }

    var rates: AnswerRates {
        var rates = AnswerRates()
        rates.stunPerSecond = stunRate
        rates.rendezvousPerSecond = rendezvousRate
        rates.dialBackPerSecond = dialBackRate
        return rates
    }
}
