import ArgumentParser
import Foundation
import NATCore
import NATWire

extension IPAddress.Family: ExpressibleByArgument {}
extension ProbeRequirement: ExpressibleByArgument {}

extension NatCtl {
    /// `natctl probe`: the reflexive address per server and what it says about the NAT.
    struct Probe: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ask STUN servers what address they see, over IPv4 and IPv6, and what that says about the NAT.",
            discussion: """
                Queries every server in parallel, from one UDP socket per IP family, and reports \
                each server's view of this host (reflexive address and round-trip time). When a \
                server advertises an RFC 5780 alternate address, probe also asks it from the \
                alternate IP and the alternate port, to tell whether the NAT's mapping depends \
                on the destination.

                Servers come from --server (repeatable), else NATCTL_SERVERS (comma or space \
                separated), else a built-in list of public STUN servers.

                Examples:
                  natctl probe --server 127.0.0.1:3478
                  natctl probe --json | jq -r .public_ipv4
                  natctl probe --require udp --require stable-mapping   # exit 1 if not
                """
        )

        @Option(name: .long, help: ArgumentHelp("STUN server as host:port or [v6]:port (repeatable).", valueName: "host:port"))
        var server: [String] = []

        @Option(name: .long, help: "Only this IP family (ipv4 or ipv6); both by default.")
        var family: IPAddress.Family?

        @Option(name: .long, help: "Exit 1 unless this holds: udp, ipv4, ipv6, no-nat, stable-mapping (repeatable).")
        var require: [ProbeRequirement] = []

        @Option(name: .long, help: "Stop early once this many servers answered per family.")
        var enough: Int = 3

        @OptionGroup var timing: TimingOptions
        @OptionGroup var output: OutputOptions

        func validate() throws {
            _ = try servers()
            guard enough >= 1 else { throw ValidationError("--enough must be at least 1") }
        }

        /// The servers to query, from flags, then the environment, then the defaults.
        func servers() throws -> [ServerSpec] { try ServerChoice.servers(named: server) }

        func run() async throws {
            var configuration = ProbeConfiguration(servers: try servers())
            configuration.timeout = timing.timeoutDuration
            configuration.policy = timing.policy
            configuration.enoughServers = enough
            if let family { configuration.families = [family] }
            var report = await Prober.run(configuration)
            report.requirements = require.map { .init(condition: $0.rawValue, met: $0.isMet(by: report)) }
            try output.emit(report) { ProbeRendering.text(report) }
            // A definite "no" to a question CI asked is an assertion failure (1), even when the
            // "no" is that nothing answered; without --require, no answer means the probe could not be done (2).
            let failed = report.requirements.filter { !$0.met }.map(\.condition)
            if !failed.isEmpty {
                Console.error("natctl: requirement not met: \(failed.joined(separator: ", "))\(noAnswerHint(report, configuration))")
                throw ExitStatus.assertionFailed
            }
            if report.answered.isEmpty {
                Console.error("natctl: \(noAnswerMessage(configuration))")
                throw ExitStatus.operationFailed
            }
        }

        private func noAnswerMessage(_ configuration: ProbeConfiguration) -> String {
            let names = configuration.servers.map { "'\($0)'" }.joined(separator: ", ")
            return "no STUN server answered at \(names) within \(Int(timing.timeout * 1000)) ms; "
                + "check the address, the firewall, or pass --server"
        }

        private func noAnswerHint(_ report: ProbeReport, _ configuration: ProbeConfiguration) -> String {
            report.answered.isEmpty ? " (\(noAnswerMessage(configuration)))" : ""
        }
    }
}
