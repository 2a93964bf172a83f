import ArgumentParser
import Foundation
import NATCore
import NATWire

extension NatCtl {
    /// `natctl classify`: the NAT's RFC 4787 behaviour, with confidence and evidence.
    struct Classify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Tell what the NAT does: mapping, filtering, port allocation, hairpinning (RFC 5780).",
            discussion: """
                Runs the RFC 5780 mapping tests I-III and filtering tests I-III against one \
                server with an alternate address (natctl relay serve --alternate, or coturn with \
                two listening IPs), in parallel where the protocol allows: the mapping tests \
                from one primary socket, the filtering tests from a second, plus a few fresh \
                sockets to see how the NAT allocates ports, and a hairpin test. A missing answer \
                counts only after several transmissions and a wait of twice the measured round \
                trip, so a verdict takes a few round trips rather than fixed seconds, and packet \
                loss lowers the stated confidence instead of flipping the verdict.

                The server comes from --server, else the first of NATCTL_SERVERS.

                Examples:
                  natctl classify --server 203.0.113.1:3478
                  natctl classify --json | jq -r .rfc3489
                  natctl classify --expect mapping=eim --expect filtering=adf   # exit 1 if not
                """
        )

        @Option(name: .long, help: ArgumentHelp("RFC 5780 STUN server as host:port or [v6]:port.", valueName: "host:port"))
        var server: String?

        @Option(name: .long, help: "IP family to use when the server's name has both (ipv4 or ipv6).")
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

        @Flag(name: .long, help: "Skip the hairpinning test.")
        var noHairpin = false

        @Option(name: .long, help: ArgumentHelp("Upper bound on the whole command, in seconds.", valueName: "seconds"))
        var timeout: Double = 5

        @Option(name: .long, help: "Times a request is sent before its missing answer counts as 'no answer'.")
        var transmissions: Int = 5

        @Flag(name: .long, help: "Print each test's progress on stderr.")
        var verbose = false

        @OptionGroup var output: OutputOptions

        func validate() throws {
            guard timeout > 0, timeout <= 3600 else { throw ValidationError("--timeout must be between 0 and 3600 seconds, not \(timeout)") }
            guard (1...20).contains(transmissions) else { throw ValidationError("--transmissions must be 1 to 20, not \(transmissions)") }
            guard (0...32).contains(portSamples) else { throw ValidationError("--port-samples must be 0 to 32, not \(portSamples)") }
            _ = try serverSpec()
        }

        private func serverSpec() throws -> ServerSpec {
            guard let first = try ServerChoice.servers(named: server.map { [$0] } ?? []).first else {
                throw ValidationError("no server given; pass --server host:port")
            }
            return first
        }

        /// Dial-back after classification: it needs our observed IP from mapping test I.
        private func reachability(_ report: ClassifierReport, server: TransportAddress) async -> ReachabilityReport {
            guard let observed = report.publicAddress.flatMap(TransportAddress.init) else {
                return ReachabilityReport(overall: "unknown", ports: [
                    .init(transport: "udp", port: listenPort.first ?? 0, result: "unknown", detail: "the server never answered, so it cannot dial back")
                ])
            }
            let request = DialBackClient.Request(
                server: server, observedIP: observed.ip, ports: listenPort,
                roundTrip: report.rttMs.map { .microseconds(Int($0 * 1000)) })
            return await DialBackClient.run(request)
        }

        @Sendable private static func printProgress(_ note: String) { Console.error("  \(note)") }

        func run() async throws {
            let spec = try serverSpec()
            let started = ContinuousClock.now
            let address: TransportAddress
            do {
                let ips = try await HostResolver.resolve(spec.host, limit: .milliseconds(Int(min(timeout, 3) * 1000)))
                guard let ip = ips.first(where: { family == nil || $0.family == family }) else {
                    Console.error("natctl: '\(spec.host)' has no \(family?.rawValue ?? "IP") address")
                    throw ExitStatus.operationFailed
                }
                address = TransportAddress(ip: ip, port: spec.port)
            } catch let error as ResolveError {
                Console.error("natctl: cannot resolve '\(spec.host)': \(error)")
                throw ExitStatus.operationFailed
            }
            var configuration = ClassifierConfiguration(server: address, localIPs: LocalInterfaces.addresses())
            configuration.portSamples = portSamples
            configuration.testHairpin = !noHairpin
            configuration.transmissions = transmissions
            configuration.timeout = .milliseconds(Int(timeout * 1000)) - (ContinuousClock.now - started)
            let progress: (@Sendable (String) -> Void)? = verbose ? Self.printProgress : nil
            var report: ClassifierReport
            do {
                report = try await Classifier.run(configuration, progress: progress)
            } catch {
                Console.error("natctl: \(error)")
                throw ExitStatus.operationFailed
            }
            if lifetime, report.publicAddress != nil {
                let budget = Duration.milliseconds(Int(timeout * 1000)) - (ContinuousClock.now - started) - .milliseconds(500)
                let roundTrip = Duration.microseconds(Int((report.rttMs ?? 50) * 1000))
                let lifetimeConfiguration = LifetimeMachine.Configuration(server: address, budget: budget, roundTrip: roundTrip)
                // A wait of minutes: on a terminal, what it waits for and how much budget is left.
                let line = ProgressLine.start(json: output.json)
                let waiting = "binding lifetime: waiting for mappings to expire"
                line?.wait(for: waiting, budget: budget)
                let notes = line.map { $0.notes(indent: "  ") } ?? progress
                if let finding = try? await Classifier.lifetime(lifetimeConfiguration, progress: notes) { report.lifetime = finding }
                line?.finish()
            }
            if dialBack || !listenPort.isEmpty {
                report.reachability = await reachability(report, server: address)
            }
            report.server = spec.description == address.description ? spec.description : "\(spec) (\(address))"
            report.expectations = expect.map { .init(condition: $0.argument, met: $0.isMet(by: report)) }
            try output.emit(report) { ClassifyRendering.text(report) }
            let failed = zip(expect, report.expectations).filter { !$0.1.met }
            if !failed.isEmpty {
                let detail = failed.map { "\($0.0.key) is \($0.0.observed(in: report) ?? "undecided"), expected \($0.0.value)" }
                Console.error("natctl: expectation not met: \(detail.joined(separator: "; "))")
                throw ExitStatus.assertionFailed
            }
            if report.udp != true {
                Console.error("natctl: \(report.error ?? "no answer from \(address) within \(Int(timeout * 1000)) ms; check the address and the firewall, or pass --server")")
                throw ExitStatus.operationFailed
            }
        }
    }
}
