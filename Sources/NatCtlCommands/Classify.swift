import ArgumentParser
import Libp2pWire
import Foundation
import NATCore
import NATWire

extension NatCtl {
    /// `natctl classify`: the NAT's RFC 4787 behaviour, with confidence and evidence.
    struct Classify: AsyncParsableCommand, JSONDocumentCommand {
        static let schema = ClassifierReport.schema
        var printsJSON: Bool { output.json }

        static let configuration = CommandConfiguration(
            abstract: "Tell what the NAT does: mapping, filtering, port allocation, hairpinning (RFC 5780).",
            discussion: """
                Asks every server (--server, repeatable; else NATCTL_SERVERS; else a built-in \
                list of public servers) from one primary socket: servers on different IPs that \
                see the same mapping prove endpoint-independent mapping, different mappings prove \
                a dependent one, and two ports of one IP tell address- from \
                address-and-port-dependent. The first server that names an alternate address \
                (RFC 5780 OTHER-ADDRESS, or RFC 3489 CHANGED-ADDRESS: natctl relay serve \
                --alternate, coturn with two listening IPs, stund) also runs RFC 5780 mapping \
                tests II-III, filtering tests I-III and a check that unsolicited inbound packets \
                do not claim the mapping (routers without an input firewall); without one, \
                filtering is undecided and says why. A hairpin test (to our own public address) \
                runs with any server, and fresh sockets sample how the NAT allocates ports. A missing answer counts only after several transmissions \
                and a wait of twice that server's measured round trip, so a verdict takes a few \
                round trips rather than fixed seconds, and packet loss lowers the stated \
                confidence instead of flipping the verdict.

                --autonat MULTIADDR (repeatable) also asks libp2p nodes' AutoNAT service (v2 where \
                offered, else v1) to dial this host back over TCP, at the port --autonat-listen \
                binds; an OK counts only when the dial-back really arrived, and overall public or \
                private needs --autonat-threshold agreeing nodes (docs/libp2p.md).

                Examples:
                  natctl classify --server 203.0.113.1:3478
                  natctl classify --server stun.example.net:3478 --server 198.51.100.7:3478
                  natctl classify --json | jq -r .rfc3489
                  natctl classify --expect mapping=eim --expect filtering=adf   # exit 1 if not
                  natctl classify --autonat /ip4/198.51.100.7/tcp/4001/p2p/12D3KooW... --autonat-threshold 1
                """
        )

        @Option(name: .long, help: ArgumentHelp("STUN server as host:port or [v6]:port (repeatable; all are used).", valueName: "host:port"))
        var server: [String] = []

        @Option(name: .long, help: "IP family to classify (ipv4 or ipv6); by default the first server's.")
        var family: IPAddress.Family?

        @Option(name: .long, help: ArgumentHelp("Exit 1 unless the verdict has this value (repeatable): \(ClassifyExpectation.helpText).", valueName: "key=value"))
        var expect: [ClassifyExpectation] = []

        @Option(name: .long, help: "Fresh sockets used to sample the NAT's port allocation.")
        var portSamples: Int = 3

        @Flag(name: .long, help: "Also measure how long an idle UDP mapping lives (RFC 5780 §4.6), within --timeout; give it time, e.g. --timeout 90.")
        var lifetime = false

        @Flag(name: .long, help: "Ask the server to dial back a listen port over UDP and TCP (AutoNAT-style reachability).")
        var dialBack = false

        @Option(name: .long, help: ArgumentHelp("Local port to test by dial-back (repeatable; implies --dial-back; a free port by default).", valueName: "port"))
        var listenPort: [UInt16] = []

        @Flag(name: .long, help: "With --dial-back: map each listen port through the gateway (PCP, NAT-PMP or UPnP) and have the server dial the mapping; deleted afterwards.")
        var portmap = false

        @Option(name: .long, help: ArgumentHelp("With --portmap: the gateway to ask (IPv4); default: the default route's.", valueName: "ip"))
        var gateway: String?

        @Option(name: .customLong("autonat"), help: ArgumentHelp(
            "Also ask this libp2p node's AutoNAT service (v2 or v1) to dial this host back over TCP (repeatable).", valueName: "multiaddr"))
        var autonat: [String] = []

        @Option(name: .customLong("autonat-listen"), help: ArgumentHelp("Where to listen for AutoNAT dial-backs (port 0: any free port).", valueName: "ip:port"))
        var autonatListen = "0.0.0.0:0"

        @Option(name: .customLong("autonat-threshold"), help: "Nodes that must agree for an overall public or private (the spec: more than 3).")
        var autonatThreshold = 4

        @Flag(name: .long, help: "Skip the hairpinning test.")
        var noHairpin = false

        @Option(name: .long, help: ArgumentHelp("Upper bound on the whole command, in seconds.", valueName: "seconds"))
        var timeout: Double = 5

        @Option(name: .long, help: "Times a request is sent before its missing answer counts as 'no answer'.")
        var transmissions: Int = 5

        @Flag(name: .long, help: "Print each test's progress on stderr, with milliseconds since the start.")
        var verbose = false

        @OptionGroup var output: OutputOptions

        func validate() throws {
            guard timeout > 0, timeout <= 3600 else { throw ValidationError("--timeout must be between 0 and 3600 seconds, not \(timeout)") }
            guard (1...20).contains(transmissions) else { throw ValidationError("--transmissions must be 1 to 20, not \(transmissions)") }
            guard (0...32).contains(portSamples) else { throw ValidationError("--port-samples must be 0 to 32, not \(portSamples)") }
            _ = try ServerChoice.servers(named: server)
            if let gateway, IPAddress(gateway)?.family != .ipv4 { throw ValidationError("--gateway '\(gateway)' must be an IPv4 address") }
            if gateway != nil, !portmap { throw ValidationError("--gateway names the gateway --portmap asks; add --portmap") }
            if portmap, !dialBack, listenPort.isEmpty { throw ValidationError("--portmap tests a mapping by dial-back: add --dial-back") }
            _ = try Libp2pAddressOption.parse(autonat, flag: "--autonat")
            guard TransportAddress(autonatListen) != nil else { throw ValidationError("--autonat-listen '\(autonatListen)' is not an ip:port or [v6]:port") }
            guard autonatThreshold >= 1 else { throw ValidationError("--autonat-threshold must be at least 1") }
        }

        /// AutoNAT beside the STUN tests: its own listener and connections, so it runs at once.
        private func autonatReport(limit: Duration) async throws -> AutoNATReport? {
            let nodes = try Libp2pAddressOption.parse(autonat, flag: "--autonat")
            guard !nodes.isEmpty, let listen = TransportAddress(autonatListen) else { return nil }
            do {
                return try await AutoNATClient.run(nodes, options: AutoNATClient.Options(listen: listen, threshold: autonatThreshold, limit: limit))
            } catch {
                throw CommandFailure.socket(error, address: autonatListen, what: "listen on")
            }
        }

        /// Dial-back after classification: it needs our observed IP from mapping test I.
        private func reachability(_ report: ClassifierReport, server: TransportAddress) async -> ReachabilityReport {
            guard let observed = report.publicAddress.flatMap(TransportAddress.init) else {
                return ReachabilityReport(overall: "unknown", ports: [
                    .init(transport: "udp", port: listenPort.first ?? 0, result: "unknown", detail: "the server never answered, so it cannot dial back")
                ])
            }
            var request = DialBackClient.Request(
                server: server, observedIP: observed.ip, ports: listenPort,
                roundTrip: report.rttMs.map { .microseconds(Int($0 * 1000)) })
            guard portmap else { return await DialBackClient.run(request) }
            let mappings = GatewayMappings(gateway: gateway.flatMap(IPAddress.init), label: "natctl dial-back")
            request.externalPort = { transport, port in await mappings.map(transport == .udp ? .udp : .tcp, port: port)?.externalPort }
            var reachability = await DialBackClient.run(request)
            reachability.portMappings = await mappings.deleteAll()
            reachability.warnings += await mappings.warnings
            return reachability
        }

        /// Progress lines stamped with the time since the command started, so a slow step shows.
        private static func printProgress(since start: ContinuousClock.Instant) -> @Sendable (String) -> Void {
            { note in Console.error(String(format: "  %6.0f ms  ", (ContinuousClock.now - start).millisecondsDouble) + note) }
        }

        func run() async throws {
            let specs = try ServerChoice.servers(named: server)
            let started = ContinuousClock.now
            // Names get at most half the budget, so a slow lookup leaves the tests time to run.
            let choice = await ClassifyServers.resolve(specs, family: family, limit: .milliseconds(Int(min(timeout / 2, 3) * 1000)))
            guard !choice.addresses.isEmpty else { throw choice.failure }
            var configuration = ClassifierConfiguration(servers: choice.addresses, localIPs: LocalInterfaces.addresses())
            configuration.portSamples = portSamples
            configuration.testHairpin = !noHairpin
            configuration.transmissions = transmissions
            configuration.timeout = .milliseconds(Int(timeout * 1000)) - (ContinuousClock.now - started)
            let progress: (@Sendable (String) -> Void)? = verbose ? Self.printProgress(since: started) : nil
            async let autonatResult = autonatReport(limit: configuration.timeout)
            var report: ClassifierReport
            do {
                report = try await Classifier.run(configuration, progress: progress)
            } catch {
                throw CommandFailure.socket(error, address: choice.addresses.map(\.description).joined(separator: ", "), what: "classify against")
            }
            let main = TransportAddress(report.server) ?? choice.addresses[0]
            if lifetime, report.publicAddress != nil {
                let budget = Duration.milliseconds(Int(timeout * 1000)) - (ContinuousClock.now - started) - .milliseconds(500)
                let roundTrip = Duration.microseconds(Int((report.rttMs ?? 50) * 1000))
                let lifetimeConfiguration = LifetimeMachine.Configuration(server: main, budget: budget, roundTrip: roundTrip)
                // A wait of minutes: on a terminal, what it waits for and how much budget is left.
                let line = ProgressLine.start(json: output.json)
                let waiting = "binding lifetime: waiting for mappings to expire"
                line?.wait(for: waiting, budget: budget)
                let notes = line.map { $0.notes(indent: "  ") } ?? progress
                if let seconds = try? await Classifier.lifetime(lifetimeConfiguration, progress: notes) {
                    report.lifetimeMs = Finding(seconds.value.map { ($0 * 1000).rounded() }, confidence: seconds.confidence, evidence: seconds.evidence)
                }
                line?.finish()
            }
            if dialBack || !listenPort.isEmpty {
                report.reachability = await reachability(report, server: main)
            }
            report.autonat = try await autonatResult
            choice.label(&report)
            report.expectations = expect.map { $0.result(for: report) }
            let failure = ClassifyExpectation.failure(expect, report, noAnswer: noAnswer(report, choice.addresses))
            report.error = failure?.object ?? report.error
            try output.emit(report) { ClassifyRendering.text(report) }
            if let failure { throw failure }
        }

        /// Why nothing answered, naming the cause; nil when a server answered.
        private func noAnswer(_ report: ClassifierReport, _ addresses: [TransportAddress]) -> CommandFailure? {
            guard report.udp != true else { return nil }
            if let error = report.error { return CommandFailure(.failed, error.message) }
            let names = addresses.map(\.description).joined(separator: ", ")
            return CommandFailure(
                .noAnswer, "no answer from \(names) in \(Int(report.durationMs)) ms; check the address and the firewall, or pass --server")
        }
    }
}
