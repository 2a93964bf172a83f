import NATWire

/// Mapping from what every destination saw, the inbound-claim check, port allocation, and the
/// per-server and per-test records.
extension ClassifierAnalysis {
    /// What one destination saw of the primary socket.
    struct Observation {
        var label: String
        var destination: TransportAddress
        var mapped: TransportAddress
    }

    /// Every mapping seen from the primary socket: each server's Binding and mapping tests II/III,
    /// one per destination (a server listed that is another's alternate address is asked twice,
    /// and two answers from one destination say nothing about ports).
    var observations: [Observation] {
        var seen = Set<TransportAddress>()
        return machine.requests.compactMap { request in
            guard request.socket == ClassifierConfiguration.primarySocket, request.test.measuresRoundTrip,
                let mapped = request.successMapped, seen.insert(request.destination).inserted
            else { return nil }
            let label = if case .binding = request.test { "Binding" } else { "\(request.test)" }
            return Observation(label: label, destination: request.destination, mapped: mapped)
        }
    }

    /// Two destinations on different IPs decide endpoint-independent versus dependent; two ports
    /// of one IP decide address-dependent versus address-and-port-dependent (RFC 4787 §4.1).
    func mapping(noNAT: Bool) -> Finding<MappingBehaviour> {
        let seen = observations
        if noNAT, let first = seen.first {
            return Finding(.endpointIndependent, confidence: 1, evidence: ["no NAT: \(first.destination) saw our own address \(first.mapped)"])
        }
        let evidence = seen.map { "\($0.label) to \($0.destination) saw \($0.mapped)" }
        let ips = Set(seen.map(\.destination.ip))
        guard seen.count >= 2 else {
            let missing = fullTest.map { "mapping test II to \($0.other.ip):\(configuration.servers[$0.server].port) got no answer" }
                ?? "only one server answered; a second server on another IP, or one with an alternate address, decides mapping\(problemsText)"
            return Finding(nil, confidence: nil, evidence: evidence + [missing])
        }
        let samePortPairs = pairs(seen).filter { $0.0.destination.ip == $0.1.destination.ip }
        if Set(seen.map(\.mapped)).count == 1 {
            guard ips.count >= 2 else {
                return Finding(
                    nil, confidence: nil,
                    evidence: evidence + ["every answering server is on \(seen[0].destination.ip): the same mapping on its ports rules out "
                        + "address-and-port-dependent mapping, and a server on a second IP decides the rest"])
            }
            return Finding(.endpointIndependent, confidence: 1, evidence: evidence + ["the same mapping toward \(ips.count) IPs"])
        }
        if let differing = samePortPairs.first(where: { $0.0.mapped != $0.1.mapped }) {
            return Finding(
                .addressAndPortDependent, confidence: 1,
                evidence: evidence + ["two ports of \(differing.0.destination.ip) saw different mappings"])
        }
        if let same = samePortPairs.first {
            return Finding(
                .addressDependent, confidence: 1,
                evidence: evidence + ["the mapping changes with the destination IP but not across two ports of \(same.0.destination.ip)"])
        }
        return Finding(
            .endpointDependent, confidence: 1,
            evidence: evidence + ["the mapping changes with the destination; telling address- from address-and-port-dependent "
                + "needs two ports of one server IP (a server with an alternate address, or one server named twice with two ports)"])
    }

    private func pairs(_ seen: [Observation]) -> [(Observation, Observation)] {
        seen.indices.flatMap { i in seen.indices.filter { $0 > i }.map { (seen[i], seen[$0]) } }
    }

    /// Whether an unsolicited packet claims the mapping it reaches (a router without an input
    /// firewall keeps conntrack state for it, and the host's next packet to that sender gets a
    /// new external port). Seen only with endpoint-independent mapping, where the port should stay.
    func inboundClaim(noNAT: Bool, mapping: MappingBehaviour?) -> Finding<Bool> {
        guard configuration.testInboundClaim else { return .undecided("not tested") }
        if noNAT { return .undecided("no NAT, so no mapping to claim") }
        guard let full = fullTest else { return .undecided("needs a server with an alternate address\(problemsText)") }
        let open = request(.claim(.open), server: full.server)
        let bait = request(.claim(.bait), server: full.server)
        guard let opened = open?.successMapped else { return .undecided("the claim check's first request got no answer") }
        if let answer = bait?.answer, answer.isSuccess {
            let server = configuration.servers[full.server]
            guard answer.source.ip != server.ip, answer.source.port != server.port else {
                return .undecided("the server answered the claim check's CHANGE-REQUEST from \(answer.source): it ignored it, so nothing unsolicited was sent")
            }
            return Finding(
                false, confidence: 1,
                evidence: ["the answer from \(answer.source) got in: this NAT lets unsolicited packets through to the host instead of keeping them"])
        }
        guard let probe = request(.claim(.probe), server: full.server) else {
            return .undecided("timed out before the claim check could ask \(full.other) directly")
        }
        guard let probed = probe.successMapped else { return .undecided("the claim check's request to \(full.other) got no answer") }
        guard mapping == .endpointIndependent else {
            return .undecided("\(mapping?.rawValue ?? "undecided") mapping: a new destination may get a new port anyway, so a claimed mapping cannot be told apart")
        }
        var evidence = [
            "claim check: \(configuration.servers[full.server]) saw \(opened); its answer from \(full.other), asked for with CHANGE-REQUEST, was dropped",
            "then \(full.other) saw \(probed) for our first packet to it from the same socket",
        ]
        if probed != opened {
            evidence.append("the NAT gave a new port: the dropped packet left state that claimed \(opened) for \(full.other)")
            return Finding(true, confidence: 1, evidence: evidence)
        }
        let baitsSent = bait.map { $0.sendTimes.filter { $0 < (probe.sendTimes.first ?? .zero) }.count } ?? 0
        evidence.append("the same mapping: the dropped packet left nothing behind")
        return Finding(false, confidence: negativeConfidence(bait, transmissions: baitsSent), evidence: evidence)
    }

    /// Port allocation from every mapping we saw, in the order the mappings were created.
    func portAllocation() -> Finding<PortAllocationValue> {
        var pairs: [(local: UInt16, external: UInt16, what: String)] = []
        var seenExternal = Set<UInt16>()
        // The claim probe is left out: on a claiming NAT its port is a replacement, not an allocation.
        for request in machine.requests where request.test.measuresRoundTrip && request.test != .claim(.probe) {
            guard let mapped = request.successMapped, seenExternal.insert(mapped.port).inserted else { continue }
            pairs.append((machine.localPorts[request.socket], mapped.port, "\(request.test)"))
        }
        let evidence = pairs.map { "\($0.what): local port \($0.local) → external \($0.external)" }
        guard pairs.count >= 2 else { return Finding(nil, confidence: nil, evidence: evidence + ["fewer than two mappings seen"]) }
        let ports = pairs.map(\.external)
        let certainty = pairs.count >= 4 ? 0.99 : 0.9
        if pairs.allSatisfy({ $0.local == $0.external }) {
            return Finding(PortAllocationValue(kind: .preserved, ports: ports), confidence: certainty, evidence: evidence)
        }
        if pairs.count >= 3, let delta = Self.sequentialStep(ports) {
            return Finding(PortAllocationValue(kind: .sequential, delta: delta, ports: ports), confidence: certainty, evidence: evidence)
        }
        return Finding(PortAllocationValue(kind: .random, ports: ports), confidence: pairs.count >= 3 ? certainty : 0.6, evidence: evidence)
    }

    /// The step of a sequential allocator, or nil when the ports do not look sequential: the
    /// commonest gap between the sorted ports is 1 to 16, and no gap is wider than 4 steps or
    /// 32 ports, whichever is more. Gaps above one step are mappings natctl made but did not
    /// see (filtering and claim sockets get no answer, and under jitter they fall between the
    /// samples in any order); a random allocator over 64 512 ports puts three ports within 32 of
    /// each other about once in a million runs.
    static func sequentialStep(_ ports: [UInt16]) -> Int? {
        let sorted = ports.sorted()
        let gaps = zip(sorted.dropFirst(), sorted).map { Int($0) - Int($1) }
        guard let delta = Dictionary(grouping: gaps, by: { $0 }).max(by: { $0.value.count < $1.value.count || ($0.value.count == $1.value.count && $0.key > $1.key) })?.key,
            (1...16).contains(delta), gaps.allSatisfy({ $0 <= max(delta * 4, 32) })
        else { return nil }
        return delta
    }

    // MARK: Records

    func serverRecord(_ index: Int) -> ClassifierServerRecord {
        let address = configuration.servers[index]
        let binding = request(.binding(server: index))
        let answer = binding?.answer
        var record = ClassifierServerRecord(server: address.description)
        record.mapped = binding?.successMapped?.description
        record.otherAddress = answer?.otherAddress?.description
        record.fullTests = fullTest?.server == index
        record.rttMs = machine.roundTrip(toServer: index).map(roundedMilliseconds)
        if let code = answer?.errorCode {
            record.error = "error \(code) to a plain Binding request"
        } else if answer == nil {
            record.error = binding.map { "no answer after \($0.transmissions) transmissions" } ?? "not asked"
        }
        record.note = machine.alternateProblems[index]
        return record
    }

    func record(_ request: ClassifierRequest) -> ClassifierTestRecord {
        let answer = request.answer
        let change = request.change.map { [$0.changeIP ? "ip" : nil, $0.changePort ? "port" : nil].compactMap { $0 }.joined(separator: "+") }
        let rtt: Double? = request.transmissions == 1 ? request.roundTripBound.map(roundedMilliseconds) : nil
        return ClassifierTestRecord(
            test: request.test.description,
            from: TransportAddress(ip: .unspecified(configuration.family), port: machine.localPorts[request.socket]).description,
            to: request.destination.description, change: change, transmissions: request.transmissions,
            answeredFrom: answer?.source.description, mapped: answer?.mapped?.description, rttMs: rtt, errorCode: answer?.errorCode,
            outcome: outcome(request))
    }

    private func outcome(_ request: ClassifierRequest) -> String {
        if let answer = request.answer { return answer.errorCode == nil ? "answered" : "error" }
        if request.moot { return "not-needed" }
        return request.timedOut ? "timed-out" : "no-answer"
    }
}
