import NATWire

/// What `probe` should do.
public struct ProbeConfiguration: Sendable {
    public var servers: [ServerSpec]
    /// IP families to test.
    public var families: [IPAddress.Family] = [.ipv4, .ipv6]
    /// Bound on the whole probe, resolution included.
    public var timeout: Duration = .seconds(3)
    /// Retransmission of each request (every transaction is also cut off at the timeout).
    public var policy = RetransmissionPolicy(rto: .milliseconds(200), maxTransmissions: 7, finalWaitMultiplier: 8)
    /// Stop early once this many servers answered in each family that is answering.
    public var enoughServers = 3

    public init(servers: [ServerSpec]) { self.servers = servers }
}

/// Runs `natctl probe`: Binding requests to every server in parallel, from one socket per
/// family, plus RFC 5780 alternate-IP / alternate-port requests to the first server that
/// advertises OTHER-ADDRESS, then the conclusions of `ProbeAnalysis`.
public enum Prober {
    private struct Target: Sendable {
        var order: Int
        var spec: ServerSpec
        var purpose: String
        var address: TransportAddress
    }

    private struct Outcome: Sendable {
        var order: Int
        var result: ProbeReport.ServerResult
        var observation: MappingObservation?
        var target: Target
        var otherAddress: TransportAddress?
    }

    public static func run(_ configuration: ProbeConfiguration) async -> ProbeReport {
        let clock = ContinuousClock()
        let deadline = clock.now + configuration.timeout
        var report = ProbeReport()
        let (targets, unresolved) = await resolve(configuration, deadline: deadline)
        var sockets: [IPAddress.Family: STUNTransport] = [:]
        var bindErrors: [IPAddress.Family: String] = [:]
        for family in Set(targets.map(\.address.ip.family)).sorted(by: { $0.rawValue < $1.rawValue }) {
            do {
                sockets[family] = try await STUNTransport.bind(TransportAddress(ip: .unspecified(family), port: 0))
            } catch {
                bindErrors[family] = "cannot open an \(family) UDP socket: \(error)"
            }
        }
        report.localSockets = sockets.values.map(\.localAddress.description).sorted()
        var outcomes = unresolved
        outcomes += await query(targets, sockets: sockets, bindErrors: bindErrors, configuration, deadline: deadline)
        for socket in sockets.values { await socket.close() }
        summarize(outcomes.sorted { $0.order < $1.order }, into: &report)
        report.durationMs = roundedMilliseconds(clock.now - (deadline - configuration.timeout))
        return report
    }

    /// Resolves every server name concurrently within the deadline.
    private static func resolve(_ configuration: ProbeConfiguration, deadline: ContinuousClock.Instant) async -> (
        [Target], [Outcome]
    ) {
        let limit = max(ContinuousClock.now.duration(to: deadline), .milliseconds(1))
        let resolved = await ServerSpec.resolveAll(configuration.servers, limit: limit)
        var targets: [Target] = []
        var failures: [Outcome] = []
        for (index, spec) in configuration.servers.enumerated() {
            let order = index * 10
            let outcome = resolved[index]
            switch outcome {
            case .success(let ips):
                let chosen = configuration.families.compactMap { family in ips.first { $0.family == family } }
                for (n, ip) in chosen.enumerated() {
                    targets.append(
                        Target(order: order + n, spec: spec, purpose: "server", address: TransportAddress(ip: ip, port: spec.port)))
                }
                if chosen.isEmpty {
                    failures.append(
                        failure(
                            order, spec, "has no \(configuration.families.map(\.rawValue).joined(separator: " or ")) address",
                            unsent: .noAddressInFamily))
                }
            case .failure(let error):
                failures.append(failure(order, spec, error.description, unsent: .notResolved))
            }
        }
        return (targets, failures)
    }

    private static func failure(_ order: Int, _ spec: ServerSpec, _ message: String, unsent: ProbeReport.ServerResult.Unsent) -> Outcome {
        let result = ProbeReport.ServerResult(server: spec.description, purpose: "server", error: message, unsent: unsent)
        return Outcome(
            order: order, result: result, observation: nil,
            target: Target(order: order, spec: spec, purpose: "server", address: TransportAddress(ip: .unspecified(.ipv4), port: 0)))
    }

    private static func query(
        _ targets: [Target], sockets: [IPAddress.Family: STUNTransport], bindErrors: [IPAddress.Family: String],
        _ configuration: ProbeConfiguration, deadline: ContinuousClock.Instant
    ) async -> [Outcome] {
        await withTaskGroup(of: Outcome.self) { group in
            var pending: [IPAddress.Family: Int] = [:]
            var answered: [IPAddress.Family: Int] = [:]
            var followUpsPending = 0
            var followedUp = Set<IPAddress.Family>()
            var outcomes: [Outcome] = []
            func launch(_ target: Target) {
                let family = target.address.ip.family
                group.addTask {
                    await transact(target, socket: sockets[family], bindError: bindErrors[family], configuration, deadline)
                }
            }
            for target in targets {
                pending[target.address.ip.family, default: 0] += 1
                launch(target)
            }
            var stopped = false
            for await outcome in group {
                outcomes.append(outcome)
                let family = outcome.target.address.ip.family
                if outcome.target.purpose == "server" {
                    pending[family, default: 0] -= 1
                    if outcome.observation != nil { answered[family, default: 0] += 1 }
                } else {
                    followUpsPending -= 1
                }
                if let other = outcome.otherAddress, !stopped, !followedUp.contains(family),
                    other.ip != outcome.target.address.ip
                {
                    followedUp.insert(family)
                    let primary = outcome.target.address
                    for (n, (purpose, address)) in [
                        ("alternate_ip", TransportAddress(ip: other.ip, port: primary.port)),
                        ("alternate_port", TransportAddress(ip: primary.ip, port: other.port)),
                    ].enumerated() {
                        followUpsPending += 1
                        launch(Target(order: outcome.order + 5 + n, spec: outcome.target.spec, purpose: purpose, address: address))
                    }
                }
                let enough = pending.allSatisfy { family, left in
                    left == 0 || answered[family, default: 0] >= configuration.enoughServers
                }
                if !stopped, followUpsPending == 0, enough, pending.values.contains(where: { $0 > 0 }) {
                    stopped = true
                    group.cancelAll()
                }
            }
            return outcomes
        }
    }

    private static func transact(
        _ target: Target, socket: STUNTransport?, bindError: String?, _ configuration: ProbeConfiguration,
        _ deadline: ContinuousClock.Instant
    ) async -> Outcome {
        var result = ProbeReport.ServerResult(
            server: target.spec.description, purpose: target.purpose, address: target.address.description,
            family: target.address.ip.family)
        var outcome = Outcome(order: target.order, result: result, observation: nil, target: target)
        guard let socket else {
            outcome.result.error = bindError ?? "no socket"
            outcome.result.unsent = .noSocket
            return outcome
        }
        // No SOFTWARE: RFC 3489 servers such as stund read 0x8022 as SERVER-NAME and drop a
        // request whose value is not a multiple of four bytes long.
        let request = STUNMessage(type: .bindingRequest)
        let limit = ContinuousClock.now.duration(to: deadline)
        do {
            let response = try await socket.transaction(request, to: target.address, policy: configuration.policy, limit: limit)
            result.transmissions = response.transmissions
            result.rttMs = roundedMilliseconds(response.rtt)
            let message = response.message
            result.software = try? message.attribute(Software.self)?.text
            if message.type.messageClass == .errorResponse {
                let code = try? message.attribute(ErrorCode.self)
                result.error = "server answered with error \(code.map { "\($0.code) \($0.reason)" } ?? "(no ERROR-CODE)")"
            } else if let mapped = response.reflexiveAddress {
                result.mapped = mapped.description
                outcome.observation = MappingObservation(local: socket.localAddress, destination: target.address, mapped: mapped)
            } else {
                result.error = "answer carried no usable (XOR-)MAPPED-ADDRESS"
            }
            let origin = (try? message.attribute(ResponseOrigin.self))?.address ?? response.source
            result.responseOrigin = origin.description
            // RFC 3489 servers (stund, and coturn to old clients) name it CHANGED-ADDRESS.
            outcome.otherAddress = message.alternateServerAddress
            result.otherAddress = outcome.otherAddress?.description
        } catch .cancelled {
            result.error = "skipped: enough servers had answered"
        } catch {
            result.error = error.description
            if case .sendFailed = error { result.unsent = .sendFailed }
        }
        outcome.result = result
        return outcome
    }

    private static func summarize(_ outcomes: [Outcome], into report: inout ProbeReport) {
        report.servers = outcomes.map(\.result)
        let observations = outcomes.compactMap(\.observation)
        let sent = outcomes.filter { $0.result.transmissions != nil || $0.result.error?.hasPrefix("no answer") == true }
        report.udp = !observations.isEmpty ? true : (sent.isEmpty ? nil : false)
        for family in IPAddress.Family.allCases {
            let tried = sent.contains { $0.result.family == family }
            let ok = observations.contains { $0.destination.ip.family == family }
            let value: Bool? = ok ? true : (tried ? false : nil)
            if family == .ipv4 { report.ipv4 = value } else { report.ipv6 = value }
        }
        report.publicIpv4 = ProbeAnalysis.publicAddress(observations, family: .ipv4)?.description
        report.publicIpv6 = ProbeAnalysis.publicAddress(observations, family: .ipv6)?.description
        report.mappingVariesByDestIp = ProbeAnalysis.mappingVariesByDestinationIP(observations)
        report.mappingVariesByDestPort = ProbeAnalysis.mappingVariesByDestinationPort(observations)
        report.portPreserved = ProbeAnalysis.portPreserved(observations)
        report.noNat = ProbeAnalysis.noNAT(observations, localAddresses: LocalInterfaces.addresses())
    }
}
