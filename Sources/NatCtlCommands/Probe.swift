import ArgumentParser
import Foundation
import Libp2pWire
import NATCore
import NATWire

extension IPAddress.Family: ExpressibleByArgument {}
extension ProbeRequirement: ExpressibleByArgument {}

extension NatCtl {
    /// `natctl probe`: the reflexive address per server and what it says about the NAT.
    struct Probe: AsyncParsableCommand, JSONDocumentCommand {
        static let schema = ProbeReport.schema
        var printsJSON: Bool { output.json }

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

                It also asks the default gateway which port-mapping protocols it offers (UPnP \
                IGD, NAT-PMP, PCP) and the external address each gives, creating nothing (each \
                protocol gets 1 s to answer, alongside the servers); \
                --portmap map also makes and deletes a 60-second test mapping per protocol, \
                --portmap off (or NATCTL_PORTMAP=off) skips the gateway.

                --libp2p MULTIADDR dials a libp2p node over TCP as a libp2p peer does \
                (multistream-select, Noise with a fresh Ed25519 identity, yamux), asks it to \
                identify itself, and reports where it sees this host (its observed address: the \
                NAT's TCP mapping), its peer ID, agent, protocols and listen addresses, and the \
                round trip of a yamux ping.

                Examples:
                  natctl probe --server 127.0.0.1:3478
                  natctl probe --portmap map --require portmap
                  natctl probe --json | jq -r .public_ipv4
                  natctl probe --require udp --require stable-mapping   # exit 1 if not, 2 if not checked
                  natctl probe --server turn.example.org --transport tcp --transport tls   # where UDP is blocked
                  natctl probe --libp2p /ip4/198.51.100.7/tcp/4001/p2p/12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA
                """
        )

        @Option(name: .long, help: ArgumentHelp("STUN server as host:port or [v6]:port (repeatable).", valueName: "host:port"))
        var server: [String] = []

        @Option(name: .long, help: "Only this IP family (ipv4 or ipv6); both by default.")
        var family: IPAddress.Family?

        @Option(name: .long, help: "Exit 1 unless this holds, 2 when it could not be checked: udp, ipv4, ipv6, no-nat, stable-mapping, portmap, tcp, tls (repeatable).")
        var require: [ProbeRequirement] = []

        @Option(name: .long, help: "Stop early once this many servers answered per family.")
        var enough: Int = 3

        @Option(name: .long, help: ArgumentHelp(
            "Also try each server over TCP (its port) or TLS (--tls-port), repeatable; UDP is always probed.", valueName: "tcp|tls"))
        var transport: [StreamTransportName] = []

        @Option(name: .customLong("tls-port"), help: "The servers' TLS port for --transport tls.")
        var tlsPort: UInt16 = 5349

        @OptionGroup var trust: TLSTrustOptions

        @Option(name: .customLong("libp2p"), help: ArgumentHelp(
            "Also dial this libp2p node over TCP (Noise, yamux) and ask it to identify itself and where it sees us (repeatable).",
            valueName: "multiaddr"))
        var libp2p: [String] = []

        enum StreamTransportName: String, ExpressibleByArgument, CaseIterable {
            case tcp, tls
        }

        @OptionGroup var portMapping: PortMapOptions

        @OptionGroup var timing: TimingOptions
        @OptionGroup var output: OutputOptions

        func validate() throws {
            _ = try servers()
            guard enough >= 1 else { throw ValidationError("--enough must be at least 1") }
            try trust.validate(usesTLS: transport.contains(.tls))
            _ = try libp2pNodes()
        }

        /// The --libp2p multiaddrs, parsed.
        func libp2pNodes() throws -> [Multiaddr] { try Libp2pAddressOption.parse(libp2p, flag: "--libp2p") }

        /// Every server over every stream transport asked for, in the order given.
        func streamTargets() throws -> [StreamProbe.Target] {
            try servers().flatMap { spec in
                Set(transport).sorted { $0.rawValue < $1.rawValue }.map { name in
                    switch name {
                    case .tcp: StreamProbe.Target(server: spec, transport: .tcp, port: spec.port)
                    case .tls:
                        StreamProbe.Target(
                            server: spec,
                            transport: .tls(trust.options(host: spec.host)),
                            port: tlsPort)
                    }
                }
            }
        }

        /// The servers to query, from flags, then the environment, then the defaults.
        func servers() throws -> [ServerSpec] { try ServerChoice.servers(named: server) }

        func run() async throws {
            var configuration = ProbeConfiguration(servers: try servers())
            configuration.timeout = timing.timeoutDuration
            configuration.policy = timing.policy
            configuration.enoughServers = enough
            if let family { configuration.families = [family] }
            // The gateway and the TCP/TLS checks run alongside the servers, within the same timeout.
            async let gatewaySurvey = PortMapSurvey.run(gateway: portMapping.gatewayAddress, mode: portMapping.mode, limit: timing.timeoutDuration)
            let targets = try streamTargets()
            async let streams = targets.isEmpty ? nil : StreamProbe.run(targets, family: family, limit: timing.timeoutDuration)
            let nodes = try libp2pNodes()
            async let libp2pResults = nodes.isEmpty ? nil : Libp2pProbe.run(nodes, limit: timing.timeoutDuration)
            var report = await Prober.run(configuration)
            report.streams = await streams
            report.libp2p = await libp2pResults
            let survey = await gatewaySurvey
            report.portMapping = survey.mode == .off ? nil : survey
            report.requirements = require.map { requirement in
                .init(condition: requirement.rawValue, met: requirement.isMet(by: report), reason: requirement.uncheckedReason(report))
            }
            let failure = failure(report, configuration)
            report.error = failure?.object
            try output.emit(report) { ProbeRendering.text(report) }
            if let failure { throw failure }
        }

        /// Why the run fails, if it does. A definite "no" to a question CI asked is an assertion
        /// failure (1), even when the "no" is that nothing answered; a question the probe could
        /// not answer (a name that did not resolve, no server of that family) exits 2 with its
        /// cause, as does no answer at all without --require.
        private func failure(_ report: ProbeReport, _ configuration: ProbeConfiguration) -> CommandFailure? {
            let unchecked = report.requirements.filter { $0.met == nil }
            let failed = report.requirements.filter { $0.met == false }.map(\.condition)
            if !unchecked.isEmpty {
                let cause = report.answered.isEmpty ? noAnswer(report, configuration) : nil
                let list = unchecked.map { "\($0.condition) (\($0.reason ?? "not checked"))" }.joined(separator: ", ")
                return CommandFailure(cause?.code ?? .notChecked, "requirement not checked: \(list)" + (cause.map { "; \($0.message)" } ?? ""))
            }
            if !failed.isEmpty {
                let hint = report.answered.isEmpty ? " (\(noAnswer(report, configuration).message))" : ""
                return CommandFailure(.assertionFailed, "requirement not met: \(failed.joined(separator: ", "))\(hint)")
            }
            // UDP silent but TCP or TLS reached a server, or a libp2p node answered: that is the
            // answer asked for, not a failure.
            let reachedOverStream = report.streams?.contains(where: \.reachable) == true || report.libp2p?.contains(where: \.reachable) == true
            return report.answered.isEmpty && !reachedOverStream ? noAnswer(report, configuration) : nil
        }

        /// The real reason nothing answered: names that did not resolve, no server of the family
        /// asked for, no socket or no route (nothing could be sent), or silence within the timeout.
        private func noAnswer(_ report: ProbeReport, _ configuration: ProbeConfiguration) -> CommandFailure {
            let asked = report.servers.filter { $0.purpose == "server" }
            let sent = asked.filter { $0.unsent == nil }
            if sent.isEmpty, !asked.isEmpty {
                let reasons = asked.map { $0.unsent == .notResolved ? ($0.error ?? "") : "'\($0.server)' \($0.error ?? "was not tried")" }
                    .joined(separator: "; ")
                let causes = Set(asked.compactMap(\.unsent))
                if causes == [.notResolved] {
                    return CommandFailure(.nameNotResolved, "no server name resolved: \(reasons); check the name or pass --server ip:port")
                }
                if causes.isSubset(of: [.notResolved, .noAddressInFamily]) {
                    return CommandFailure(
                        .noServerOfFamily, "no server of the family asked for: \(reasons); drop --family or name a server of that family")
                }
                return CommandFailure(.failed, "no request could be sent: \(reasons)")
            }
            let names = sent.map { "'\($0.server)'" }.joined(separator: ", ")
            return CommandFailure(
                .noAnswer,
                "no STUN server answered at \(names) within \(Int(timing.timeout * 1000)) ms; check the address, the firewall, or pass --server")
        }
    }
}
