import NATCore
import NATWire
import Testing

/// The classifier state machine against every RFC 4787 mapping × filtering pair of the
/// in-memory NAT, with each port-allocation style, hairpinning, loss, delay and reordering.
@Suite struct ClassifierMachineTests {
    static let behaviours: [(MappingBehaviour, FilteringBehaviour)] = MappingBehaviour.behaviours.flatMap { mapping in
        FilteringBehaviour.allCases.map { (mapping, $0) }
    }

    @Test(arguments: behaviours)
    func everyMappingAndFilteringPair(mapping: MappingBehaviour, filtering: FilteringBehaviour) {
        for ports: SimulatedNAT.Ports in [.preserve, .sequential(delta: 1), .random] {
            let nat = SimulatedNAT(mapping: mapping, filtering: filtering, ports: ports)
            let report = ClassifierSimulation(nat: nat).run()
            #expect(report.udp == true)
            #expect(report.noNat == false)
            #expect(report.mapping.value == mapping, "\(nat): \(report.mapping.evidence)")
            #expect(report.filtering.value == filtering, "\(nat): \(report.filtering.evidence)")
            #expect((report.filtering.confidence ?? 0) > 0.9, "\(nat)")
        }
    }

    @Test func portAllocationStyles() {
        let cases: [(SimulatedNAT.Ports, MappingBehaviour, PortAllocation, Int?)] = [
            (.preserve, .endpointIndependent, .preserved, nil),
            (.sequential(delta: 1), .addressAndPortDependent, .sequential, 1),
            (.sequential(delta: 2), .endpointIndependent, .sequential, 2),
            (.random, .addressAndPortDependent, .random, nil),
            (.random, .endpointIndependent, .random, nil),
        ]
        for (ports, mapping, expected, delta) in cases {
            let nat = SimulatedNAT(mapping: mapping, filtering: .addressAndPortDependent, ports: ports)
            let report = ClassifierSimulation(nat: nat).run()
            #expect(report.portAllocation.value?.kind == expected, "\(nat): \(report.portAllocation.evidence)")
            #expect(report.portAllocation.value?.delta == delta, "\(nat)")
        }
    }

    @Test func legacyNamesAndOutlook() {
        let cases: [(MappingBehaviour, FilteringBehaviour, SimulatedNAT.Ports, String, String)] = [
            (.endpointIndependent, .endpointIndependent, .preserve, "full-cone", "easy"),
            (.endpointIndependent, .addressDependent, .preserve, "restricted-cone", "easy"),
            (.endpointIndependent, .addressAndPortDependent, .preserve, "port-restricted-cone", "easy"),
            (.addressAndPortDependent, .addressAndPortDependent, .random, "symmetric", "hard"),
            (.addressAndPortDependent, .addressAndPortDependent, .sequential(delta: 1), "symmetric", "predictable"),
            (.addressDependent, .endpointIndependent, .random, "none", "hard"),
        ]
        for (mapping, filtering, ports, name, outlook) in cases {
            let report = ClassifierSimulation(nat: SimulatedNAT(mapping: mapping, filtering: filtering, ports: ports)).run()
            #expect(report.rfc3489 == name)
            #expect(report.holePunching.value == outlook)
        }
    }

    @Test func hairpinningIsSeenOnlyWhenTheNATLoopsBack() {
        for hairpin in [true, false] {
            let nat = SimulatedNAT(mapping: .endpointIndependent, filtering: .addressAndPortDependent, hairpin: hairpin)
            let report = ClassifierSimulation(nat: nat).run()
            #expect(report.hairpin.value == hairpin, "\(report.hairpin.evidence)")
        }
    }

    @Test func publicHostIsNoNAT() {
        let report = ClassifierSimulation(nat: SimulatedNAT(mapping: nil, filtering: .endpointIndependent)).run()
        #expect(report.noNat == true)
        #expect(report.rfc3489 == "open-internet")
        #expect(report.holePunching.value == "not-needed")
        #expect(report.hairpin.value == nil)
    }

    @Test func blockedUDPEndsWithNoAnswerWithinTheUnknownRTTWait() {
        var simulation = ClassifierSimulation(nat: SimulatedNAT(mapping: .endpointIndependent, filtering: .endpointIndependent))
        simulation.udpBlocked = true
        let report = simulation.run()
        #expect(report.udp == false)
        #expect(report.rfc3489 == "udp-blocked")
        #expect(report.mapping.value == nil)
        #expect(report.durationMs < 2000, "gives up after 5 paced copies and a 0.5 s wait, not RFC 8489's 39.5 s")
    }

    /// Answers that never come cost a few round trips, not fixed seconds.
    @Test func waitsScaleWithTheRoundTrip() {
        for (delay, bound) in [(1, 150.0), (50, 800.0)] {
            var simulation = ClassifierSimulation(nat: SimulatedNAT(mapping: .endpointIndependent, filtering: .addressAndPortDependent))
            simulation.oneWayDelay = .milliseconds(delay)
            let report = simulation.run()
            #expect(report.filtering.value == .addressAndPortDependent)
            #expect(report.durationMs < bound, "one-way delay \(delay) ms took \(report.durationMs) ms of virtual time")
        }
    }

    /// 10% loss each way, 50 ms delay with ±20 ms jitter (which reorders): still right, many seeds.
    @Test(arguments: behaviours)
    func correctUnderLossDelayAndReordering(mapping: MappingBehaviour, filtering: FilteringBehaviour) {
        for seed in UInt64(1)...12 {
            var simulation = ClassifierSimulation(nat: SimulatedNAT(mapping: mapping, filtering: filtering, ports: .random))
            simulation.loss = 0.10
            simulation.oneWayDelay = .milliseconds(50)
            simulation.jitter = .milliseconds(20)
            simulation.seed = seed
            let report = simulation.run()
            #expect(report.mapping.value == mapping, "seed \(seed): \(report.mapping.evidence)")
            #expect(report.filtering.value == filtering, "seed \(seed): \(report.filtering.evidence)")
        }
    }

    @Test func serverWithoutAlternateLeavesMappingUndecided() {
        // A single-address server: no OTHER-ADDRESS, and CHANGE-REQUEST is answered with 420.
        var simulation = ClassifierSimulation(nat: SimulatedNAT(mapping: .endpointIndependent, filtering: .endpointIndependent))
        simulation.singleAddressServer = true
        let report = simulation.run()
        #expect(report.udp == true)
        #expect(report.mapping.value == nil)
        #expect(report.mapping.evidence.contains { $0.contains("no OTHER-ADDRESS") })
        #expect(report.filtering.value == nil)
        #expect(report.filtering.evidence.contains { $0.contains("alternate address") })
        #expect(report.servers.count == 1 && report.servers[0].note != nil)
    }

    @Test func timeoutEndsTheRunWithWhatIsKnown() {
        var simulation = ClassifierSimulation(nat: SimulatedNAT(mapping: .endpointIndependent, filtering: .addressAndPortDependent))
        simulation.oneWayDelay = .milliseconds(200)
        simulation.configure = { $0.timeout = .milliseconds(600) }
        let report = simulation.run()
        #expect(report.durationMs <= 600.001)
        #expect(report.publicAddress != nil, "mapping test I was answered at 400 ms")
        #expect(report.filtering.value == nil, "filtering tests II/III had not sent all copies: undecided, not 'filtered'")
        #expect(report.filtering.evidence.contains { $0.contains("timed out") })
    }
}
