import NATWire

/// Turns the classifier's finished tests into a report: verdicts, confidences and evidence.
/// Pure; kept apart from `ClassifierMachine` so the machine is about timing and this is about meaning.
struct ClassifierAnalysis {
    let machine: ClassifierMachine
    let elapsed: Duration

    private var configuration: ClassifierConfiguration { machine.configuration }
    private func request(_ test: ClassifierTest) -> ClassifierRequest? { machine.requests.first { $0.test == test } }
    private func mapped(_ test: ClassifierTest) -> TransportAddress? {
        request(test)?.answer.flatMap { $0.isSuccess ? $0.mapped : nil }
    }

    func report() -> ClassifierReport {
        var report = ClassifierReport(server: configuration.server.description)
        report.otherAddress = machine.otherAddress?.description
        report.elapsedMs = roundedMilliseconds(elapsed)
        report.tests = machine.requests.filter { !$0.sendTimes.isEmpty }.map(record)
        report.rttMs = machine.cleanRoundTrip.map(roundedMilliseconds)
        let (lost, answered) = machine.lossCounts
        report.lossEstimate = answered == 0 ? nil : (Double(lost) / Double(lost + answered) * 1000).rounded() / 1000
        let anyAnswer = machine.requests.contains { $0.answer != nil && $0.test != .hairpin }
        report.udp = anyAnswer
        guard let m1 = mapped(.mapping(1)) else {
            let why = anyAnswer
                ? "mapping test I got no usable answer from \(configuration.server)"
                : "no answer to any request to \(configuration.server): UDP is blocked on the path or the server is down"
            report.mapping = .undecided(why)
            report.filtering = .undecided(why)
            report.portAllocation = .undecided(why)
            report.hairpin = .undecided(why)
            report.holePunching = anyAnswer ? .undecided(why) : Finding("impossible", confidence: negativeConfidence(request(.mapping(1))), evidence: [why])
            report.rfc3489 = anyAnswer ? nil : "udp-blocked"
            return report
        }
        let noNAT = configuration.localIPs.contains(m1.ip) && m1.port == machine.localPorts[ClassifierConfiguration.primarySocket]
        report.publicAddress = m1.description
        report.noNat = noNAT
        report.mapping = mapping(m1, noNAT: noNAT)
        report.filtering = filtering()
        report.portAllocation = portAllocation()
        report.hairpin = hairpin(noNAT: noNAT)
        report.rfc3489 = ClassifierNaming.rfc3489(noNAT: noNAT, mapping: report.mapping.value, filtering: report.filtering.value)
        report.holePunching = ClassifierNaming.holePunching(
            noNAT: noNAT, mapping: report.mapping, filtering: report.filtering, ports: report.portAllocation)
        return report
    }

    // MARK: Verdicts

    private func mapping(_ m1: TransportAddress, noNAT: Bool) -> Finding<MappingBehaviour> {
        if noNAT { return Finding(.endpointIndependent, confidence: 1, evidence: ["no NAT: the server saw our own address \(m1)"]) }
        guard let other = machine.otherAddress else {
            return .undecided(machine.otherAddressProblem ?? "no alternate address to compare against")
        }
        var evidence = ["mapping test I: \(configuration.server) saw \(m1)"]
        guard let m2 = mapped(.mapping(2)) else {
            return .undecided("mapping test II to \(other.ip):\(configuration.server.port) got no answer")
        }
        evidence.append("mapping test II: \(other.ip):\(configuration.server.port) saw \(m2)")
        if m1 == m2 { return Finding(.endpointIndependent, confidence: 1, evidence: evidence) }
        guard let m3 = mapped(.mapping(3)) else {
            return Finding(nil, confidence: nil, evidence: evidence + ["mapping test III to \(other) got no answer"])
        }
        evidence.append("mapping test III: \(other) saw \(m3)")
        return Finding(m2 == m3 ? .addressDependent : .addressAndPortDependent, confidence: 1, evidence: evidence)
    }

    private func filtering() -> Finding<FilteringBehaviour> {
        guard let first = request(.filtering(1)), let firstAnswer = first.answer, firstAnswer.isSuccess else {
            return .undecided("filtering test I to \(configuration.server) got no answer")
        }
        let server = configuration.server
        var evidence = ["filtering test I: answered from \(firstAnswer.source)"]
        let second = request(.filtering(2))
        let third = request(.filtering(3))
        for test in [second, third].compactMap({ $0 }) {
            if let code = test.answer?.errorCode {
                return .undecided("\(test.test): the server answered CHANGE-REQUEST with error \(code): it cannot send from another address")
            }
        }
        if let answer = second?.answer {
            guard answer.source.ip != server.ip, answer.source.port != server.port else {
                return .undecided("filtering test II: the answer came from \(answer.source), not from another IP and port; the server ignored CHANGE-REQUEST")
            }
            evidence.append("filtering test II: an answer from the other IP and port \(answer.source) got in")
            return Finding(.endpointIndependent, confidence: 1, evidence: evidence)
        }
        if let timedOut = [second, third].compactMap({ $0 }).first(where: \.timedOut) {
            return .undecided("\(timedOut.test): timed out after \(timedOut.transmissions) transmissions, before a missing answer could count")
        }
        evidence.append("filtering test II: no answer from the other IP and port after \(second?.transmissions ?? 0) transmissions")
        if let answer = third?.answer {
            guard answer.source.ip == server.ip, answer.source.port != server.port else {
                return .undecided("filtering test III: the answer came from \(answer.source), not from \(server.ip) on another port")
            }
            evidence.append("filtering test III: an answer from the other port \(answer.source) got in")
            return Finding(.addressDependent, confidence: negativeConfidence(second), evidence: evidence)
        }
        evidence.append("filtering test III: no answer from the other port after \(third?.transmissions ?? 0) transmissions")
        return Finding(
            .addressAndPortDependent, confidence: negativeConfidence(second) * negativeConfidence(third), evidence: evidence)
    }

    private func hairpin(noNAT: Bool) -> Finding<Bool> {
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

    /// Port allocation from every mapping we saw, in the order the mappings were created.
    private func portAllocation() -> Finding<PortAllocationValue> {
        var pairs: [(local: UInt16, external: UInt16, what: String)] = []
        var seenExternal = Set<UInt16>()
        for request in machine.requests where request.test != .hairpin {
            guard let mapped = request.answer.flatMap({ $0.isSuccess ? $0.mapped : nil }),
                seenExternal.insert(mapped.port).inserted
            else { continue }
            pairs.append((machine.localPorts[request.socket], mapped.port, "\(request.test)"))
        }
        let evidence = pairs.map { "\($0.what): local port \($0.local) → external \($0.external)" }
        guard pairs.count >= 2 else { return Finding(nil, confidence: nil, evidence: evidence + ["fewer than two mappings seen"]) }
        let ports = pairs.map(\.external)
        let certainty = pairs.count >= 4 ? 0.99 : 0.9
        if pairs.allSatisfy({ $0.local == $0.external }) {
            return Finding(PortAllocationValue(kind: .preserved, ports: ports), confidence: certainty, evidence: evidence)
        }
        let sorted = ports.sorted()
        let gaps = zip(sorted.dropFirst(), sorted).map { Int($0) - Int($1) }
        let delta = Dictionary(grouping: gaps, by: { $0 }).max { $0.value.count < $1.value.count || ($0.value.count == $1.value.count && $0.key > $1.key) }?.key ?? 0
        if pairs.count >= 3, (1...16).contains(delta), gaps.allSatisfy({ $0 <= delta * 4 }) {
            return Finding(PortAllocationValue(kind: .sequential, delta: delta, ports: ports), confidence: certainty, evidence: evidence)
        }
        return Finding(PortAllocationValue(kind: .random, ports: ports), confidence: pairs.count >= 3 ? certainty : 0.6, evidence: evidence)
    }

    // MARK: Loss and confidence

    /// How sure a missing answer is real: 1 − p^n for round-trip loss p and n transmissions.
    private func negativeConfidence(_ request: ClassifierRequest?) -> Double {
        guard let request, request.transmissions > 0 else { return 0 }
        let p = machine.smoothedLoss
        var allLost = 1.0
        for _ in 0..<request.transmissions { allLost *= p }
        return 1 - allLost
    }

    private func record(_ request: ClassifierRequest) -> ClassifierTestRecord {
        let answer = request.answer
        let change = request.change.map { [$0.changeIP ? "ip" : nil, $0.changePort ? "port" : nil].compactMap { $0 }.joined(separator: "+") }
        let rtt: Double? = request.transmissions == 1 ? request.roundTripBound.map(roundedMilliseconds) : nil
        return ClassifierTestRecord(
            test: request.test.description,
            from: TransportAddress(ip: .unspecified(configuration.server.ip.family), port: machine.localPorts[request.socket]).description, to: request.destination.description,
            change: change, transmissions: request.transmissions, answeredFrom: answer?.source.description,
            mapped: answer?.mapped?.description, rttMs: rtt, errorCode: answer?.errorCode)
    }
}
