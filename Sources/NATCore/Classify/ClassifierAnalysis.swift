import NATWire

/// Turns the classifier's finished tests into a report: verdicts, confidences and evidence.
/// Pure; kept apart from `ClassifierMachine` so the machine is about timing and this is about meaning.
struct ClassifierAnalysis {
    let machine: ClassifierMachine
    let elapsed: Duration

    var configuration: ClassifierConfiguration { machine.configuration }
    var fullTest: ClassifierMachine.FullTest? { machine.fullTest }
    func request(_ test: ClassifierTest, server: Int? = nil) -> ClassifierRequest? { machine.request(test, server: server) }

    /// The primary socket's public address and the server that reported it: the full-test
    /// server's Binding, else the first answered Binding, else the full-test server's mapping
    /// tests (its own Binding may have been lost while everything else got through).
    var primaryMapping: (server: Int, mapped: TransportAddress)? {
        let order = (fullTest.map { [$0.server] } ?? []) + Array(configuration.servers.indices)
        if let server = order.first(where: { request(.binding(server: $0))?.successMapped != nil }),
            let mapped = request(.binding(server: server))?.successMapped
        {
            return (server, mapped)
        }
        guard let full = fullTest else { return nil }
        let fallback = [request(.mapping(2)), request(.mapping(3))].compactMap { $0?.successMapped }.first
        return fallback.map { (full.server, $0) }
    }

    func report() -> ClassifierReport {
        let primary = primaryMapping
        let main = primary?.server ?? fullTest?.server
        var report = ClassifierReport(server: configuration.servers[main ?? 0].description)
        report.servers = configuration.servers.indices.map(serverRecord)
        report.otherAddress = fullTest?.other.description
        report.durationMs = roundedMilliseconds(elapsed)
        report.tests = machine.requests.filter { !$0.sendTimes.isEmpty }.map(record)
        report.rttMs = main.flatMap { machine.cleanRoundTrip(toServer: $0) ?? machine.roundTrip(toServer: $0) }.map(roundedMilliseconds)
        let (lost, answered) = machine.lossCounts
        report.lossEstimate = answered == 0 ? nil : (Double(lost) / Double(lost + answered) * 1000).rounded() / 1000
        let anyAnswer = machine.requests.contains { $0.answer != nil && $0.test.measuresRoundTrip }
        report.udp = anyAnswer
        guard let m1 = primary?.mapped else {
            let names = configuration.servers.map(\.description).joined(separator: ", ")
            let why = anyAnswer
                ? "no server answered a plain Binding request from the primary socket"
                : "no answer to any request to \(names): UDP is blocked on the path or the server is down"
            report.mapping = .undecided(why)
            report.filtering = .undecided(why)
            report.portAllocation = .undecided(why)
            report.hairpin = .undecided(why)
            report.inboundClaimsMapping = .undecided(why)
            report.holePunching = anyAnswer ? .undecided(why) : Finding("impossible", confidence: negativeConfidence(request(.binding(server: 0))), evidence: [why])
            report.rfc3489 = anyAnswer ? nil : "udp-blocked"
            return report
        }
        let noNAT = configuration.localIPs.contains(m1.ip) && m1.port == machine.localPorts[ClassifierConfiguration.primarySocket]
        report.publicAddress = m1.description
        report.noNat = noNAT
        report.mapping = mapping(noNAT: noNAT)
        report.filtering = filtering()
        report.portAllocation = portAllocation()
        report.hairpin = hairpin(noNAT: noNAT)
        report.inboundClaimsMapping = inboundClaim(noNAT: noNAT, mapping: report.mapping.value)
        if report.inboundClaimsMapping.value == true {
            report.warnings.append(
                "unsolicited packets that reach this NAT claim its mappings: a peer whose first packet arrives before this host's "
                    + "own first packet to that peer moves this host to a new external port, so hole punching works only when this side sends first")
        }
        report.rfc3489 = ClassifierNaming.rfc3489(noNAT: noNAT, mapping: report.mapping.value, filtering: report.filtering.value)
        report.holePunching = ClassifierNaming.holePunching(
            noNAT: noNAT, mapping: report.mapping, filtering: report.filtering, ports: report.portAllocation,
            inboundClaims: report.inboundClaimsMapping)
        return report
    }

    // MARK: Verdicts

    func filtering() -> Finding<FilteringBehaviour> {
        guard let full = fullTest else {
            return .undecided(
                "no server named an alternate address: filtering needs a server that can answer from a second IP and port "
                    + "(RFC 5780 OTHER-ADDRESS or RFC 3489 CHANGED-ADDRESS)" + problemsText)
        }
        let server = configuration.servers[full.server]
        guard let firstAnswer = request(.filtering(1), server: full.server)?.answer, firstAnswer.isSuccess else {
            return .undecided("filtering test I to \(server) got no answer")
        }
        var evidence = ["filtering test I: answered from \(firstAnswer.source)"]
        let second = request(.filtering(2), server: full.server)
        let third = request(.filtering(3), server: full.server)
        for test in [second, third].compactMap({ $0 }) {
            if let code = test.answer?.errorCode {
                return .undecided("\(test.test): \(server) answered CHANGE-REQUEST with error \(code): it cannot send from another address")
            }
        }
        if let answer = second?.answer {
            guard answer.source.ip != server.ip, answer.source.port != server.port else {
                return .undecided("filtering test II: the answer came from \(answer.source), not from another IP and port; \(server) ignored CHANGE-REQUEST")
            }
            evidence.append("filtering test II: an answer from the other IP and port \(answer.source) got in")
            return Finding(.endpointIndependent, confidence: 1, evidence: evidence)
        }
        if let timedOut = [second, third].compactMap({ $0 }).first(where: \.timedOut) {
            return .undecided("\(timedOut.test): timed out after \(timedOut.transmissions) transmissions, before a missing answer could count")
        }
        // A missing answer from the alternate address means filtering only if that address can answer at all.
        guard answered(fromIP: full.other.ip) else {
            return .undecided("filtering test II got no answer, but nothing ever came from the alternate IP \(full.other.ip): the server may not be able to send from it")
        }
        evidence.append("filtering test II: no answer from the other IP and port after \(second?.transmissions ?? 0) transmissions")
        if let answer = third?.answer {
            guard answer.source.ip == server.ip, answer.source.port != server.port else {
                return .undecided("filtering test III: the answer came from \(answer.source), not from \(server.ip) on another port")
            }
            evidence.append("filtering test III: an answer from the other port \(answer.source) got in")
            return Finding(.addressDependent, confidence: negativeConfidence(second), evidence: evidence)
        }
        guard answered(fromPort: full.other.port) else {
            evidence.append("filtering test III got no answer, but nothing ever came from the alternate port \(full.other.port)")
            return Finding(nil, confidence: nil, evidence: evidence)
        }
        evidence.append("filtering test III: no answer from the other port after \(third?.transmissions ?? 0) transmissions")
        return Finding(
            .addressAndPortDependent, confidence: negativeConfidence(second) * negativeConfidence(third), evidence: evidence)
    }

    func hairpin(noNAT: Bool) -> Finding<Bool> {
        guard configuration.testHairpin else { return .undecided("not tested") }
        if noNAT { return .undecided("no NAT, so nothing to hairpin") }
        guard let test = request(.hairpin) else { return .undecided("no reflexive address to send to") }
        if test.answer == nil, test.timedOut { return .undecided("timed out before the hairpin test finished") }
        if test.answer != nil {
            return Finding(true, confidence: 1, evidence: ["a request to our own public address \(test.destination) came back in"])
        }
        return Finding(
            false, confidence: negativeConfidence(test),
            evidence: ["none of \(test.transmissions) requests to our own public address \(test.destination) came back in"])
    }

    /// Whether any answer came from `ip` (a server's alternate address proves it can send from it).
    func answered(fromIP ip: IPAddress) -> Bool { machine.requests.contains { $0.answer?.source.ip == ip } }
    func answered(fromPort port: UInt16) -> Bool { machine.requests.contains { $0.answer?.source.port == port } }

    /// Why servers that answered could not run the RFC 5780 tests, as a suffix for evidence.
    var problemsText: String {
        let problems = machine.alternateProblems.sorted { $0.key < $1.key }.map(\.value)
        return problems.isEmpty ? "" : "; " + problems.joined(separator: "; ")
    }

    // MARK: Loss and confidence

    /// How sure a missing answer is real: 1 − p^n for round-trip loss p and n transmissions.
    func negativeConfidence(_ request: ClassifierRequest?, transmissions: Int? = nil) -> Double {
        guard let request, request.transmissions > 0 else { return 0 }
        let p = machine.smoothedLoss
        var allLost = 1.0
        for _ in 0..<(transmissions ?? request.transmissions) { allLost *= p }
        return 1 - allLost
    }
}
