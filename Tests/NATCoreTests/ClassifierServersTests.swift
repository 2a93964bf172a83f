import NATCore
import NATWire
import Testing

/// The classifier with the servers people have: several single-address servers, old and dead
/// ones, an RFC 5780 server anywhere in the list, and NATs whose mappings unsolicited packets claim.
@Suite struct ClassifierServersTests {
    static let plainA = TransportAddress("198.51.100.7:3478")!
    static let plainB = TransportAddress("192.0.2.9:3478")!
    static let plainA2 = TransportAddress("198.51.100.7:3479")!

    private func simulation(_ nat: SimulatedNAT, servers: [TransportAddress], withRFC5780: Bool = false) -> ClassifierSimulation {
        var simulation = ClassifierSimulation(nat: nat)
        simulation.extraServers = servers
        simulation.serverOrder = (withRFC5780 ? [simulation.layout.primary] : []) + servers
        return simulation
    }

    /// Two single-address servers on different IPs never leave mapping undecided.
    @Test(arguments: MappingBehaviour.behaviours)
    func twoPlainServersDecideMapping(mapping: MappingBehaviour) {
        for ports: SimulatedNAT.Ports in [.preserve, .random] {
            let nat = SimulatedNAT(mapping: mapping, filtering: .addressAndPortDependent, ports: ports)
            let report = simulation(nat, servers: [Self.plainA, Self.plainB]).run()
            let expected: MappingBehaviour = mapping == .endpointIndependent ? .endpointIndependent : .endpointDependent
            #expect(report.mapping.value == expected, "\(nat): \(report.mapping.evidence)")
            #expect(report.filtering.value == nil)
            #expect(report.filtering.evidence.contains { $0.contains("alternate address") })
            #expect(report.servers.map(\.mapped).allSatisfy { $0 != nil })
            #expect(report.servers.allSatisfy { !$0.fullTests })
        }
    }

    /// Two ports of one IP tell address- from address-and-port-dependent.
    @Test(arguments: MappingBehaviour.behaviours)
    func twoPortsOfOneIPTellAddressFromPort(mapping: MappingBehaviour) {
        let nat = SimulatedNAT(mapping: mapping, filtering: .addressAndPortDependent, ports: .random)
        let report = simulation(nat, servers: [Self.plainA, Self.plainA2, Self.plainB]).run()
        #expect(report.mapping.value == mapping, "\(report.mapping.evidence)")
    }

    /// Servers on one IP alone cannot rule out address-dependent mapping.
    @Test func oneIPOnlyIsUndecidedUnlessPortsDiffer() {
        let eim = simulation(SimulatedNAT(mapping: .endpointIndependent, filtering: .endpointIndependent), servers: [Self.plainA, Self.plainA2]).run()
        #expect(eim.mapping.value == nil)
        #expect(eim.mapping.evidence.contains { $0.contains("second IP") })
        let apdm = simulation(SimulatedNAT(mapping: .addressAndPortDependent, filtering: .endpointIndependent, ports: .random), servers: [Self.plainA, Self.plainA2]).run()
        #expect(apdm.mapping.value == .addressAndPortDependent)
    }

    /// An RFC 5780 server later in the list runs the full tests on fresh sockets.
    @Test(arguments: ClassifierMachineTests.behaviours)
    func rfc5780ServerAnywhereInTheList(mapping: MappingBehaviour, filtering: FilteringBehaviour) {
        var simulation = ClassifierSimulation(nat: SimulatedNAT(mapping: mapping, filtering: filtering, ports: .random))
        simulation.extraServers = [Self.plainA]
        simulation.serverOrder = [Self.plainA, simulation.layout.primary]
        let report = simulation.run()
        #expect(report.mapping.value == mapping, "\(report.mapping.evidence)")
        #expect(report.filtering.value == filtering, "\(report.filtering.evidence)")
        #expect(report.servers.map(\.fullTests) == [false, true])
        #expect(report.server == simulation.layout.primary.description)
    }

    /// A dead server first in the list delays nothing it need not: the rest decide.
    @Test func deadFirstServer() {
        var simulation = ClassifierSimulation(nat: SimulatedNAT(mapping: .endpointIndependent, filtering: .addressDependent))
        simulation.serverOrder = [TransportAddress("192.0.2.99:3478")!, simulation.layout.primary]
        let report = simulation.run()
        #expect(report.mapping.value == .endpointIndependent)
        #expect(report.filtering.value == .addressDependent)
        #expect(report.portAllocation.value != nil, "port samples go to a server that answered")
        #expect(report.servers[0].error?.contains("no answer") == true)
    }

    /// A router without an input firewall: the dropped answer claims the mapping, and classify says so.
    @Test(arguments: [FilteringBehaviour.addressDependent, .addressAndPortDependent])
    func inboundClaimIsDetectedAndWarned(filtering: FilteringBehaviour) {
        var nat = SimulatedNAT(mapping: .endpointIndependent, filtering: filtering)
        nat.inboundClaims = true
        let report = ClassifierSimulation(nat: nat).run()
        #expect(report.inboundClaimsMapping.value == true, "\(report.inboundClaimsMapping.evidence)")
        #expect(report.holePunching.value == "order-sensitive")
        #expect(!report.warnings.isEmpty)
        #expect(report.mapping.value == .endpointIndependent, "the claim check must not disturb the mapping tests")
        #expect(report.filtering.value == filtering, "nor the filtering tests")
    }

    /// The negative control: the same NAT with an input firewall is not warned about.
    @Test(arguments: FilteringBehaviour.allCases)
    func noClaimWithoutTheBehaviour(filtering: FilteringBehaviour) {
        let report = ClassifierSimulation(nat: SimulatedNAT(mapping: .endpointIndependent, filtering: filtering)).run()
        #expect(report.inboundClaimsMapping.value == false, "\(report.inboundClaimsMapping.evidence)")
        #expect(report.holePunching.value == "easy")
        #expect(report.warnings.isEmpty)
    }

    /// A slow first exchange is not loss: no extra copies, and no longer than later runs.
    @Test func slowFirstExchangeIsNotCountedAsLoss() {
        var warm = ClassifierSimulation(nat: SimulatedNAT(mapping: .endpointIndependent, filtering: .addressAndPortDependent))
        warm.oneWayDelay = .milliseconds(50)
        var cold = warm
        cold.warmUp = .milliseconds(200)
        let warmReport = warm.run()
        let coldReport = cold.run()
        #expect(coldReport.lossEstimate == 0, "\(coldReport.tests.map { "\($0.test) x\($0.transmissions)" })")
        #expect(coldReport.tests.allSatisfy { $0.transmissions <= 5 })
        #expect(coldReport.filtering.value == .addressAndPortDependent)
        #expect(coldReport.durationMs <= warmReport.durationMs + 250, "the warm-up costs its own delay, not extra rounds")
    }
}

/// Server situations a review found: a listed server that is another's alternate address, a
/// lost Binding, an alternate address that cannot send, answers late only by jitter, and loss
/// on a fast path (copies 10 ms apart) that must still be seen.
@Suite struct ClassifierServerEdgeTests {
    static let alternateIPPrimaryPort = TransportAddress("203.0.113.2:3478")!
    static let alternate = TransportAddress("203.0.113.2:3479")!

    /// Two answers from one destination say nothing about ports: never address-dependent from them.
    @Test func listedServerThatIsTheAlternateIsOneObservation() {
        var simulation = ClassifierSimulation(nat: SimulatedNAT(mapping: .addressAndPortDependent, filtering: .addressAndPortDependent, ports: .random))
        simulation.serverOrder = [simulation.layout.primary, Self.alternateIPPrimaryPort]
        simulation.deadDestinations = [Self.alternate]  // mapping test III never gets through
        let report = simulation.run()
        #expect(report.mapping.value == .endpointDependent, "\(report.mapping.evidence)")
    }

    /// The full-test server's own Binding lost: the other answers still decide.
    @Test func lostBindingOfTheFullTestServer() {
        var simulation = ClassifierSimulation(nat: SimulatedNAT(mapping: .endpointIndependent, filtering: .addressAndPortDependent))
        simulation.extraServers = [ClassifierServersTests.plainB]
        simulation.firstLost = [simulation.layout.primary: 1]
        simulation.configure = { $0.transmissions = 1 }
        let report = simulation.run()
        #expect(report.publicAddress != nil)
        #expect(report.mapping.value == .endpointIndependent, "\(report.mapping.evidence)")
        #expect(report.filtering.value == .addressAndPortDependent, "\(report.filtering.evidence)")
    }

    /// An alternate address that never sends proves nothing about filtering.
    @Test func silentAlternateLeavesFilteringUndecided() {
        var simulation = ClassifierSimulation(nat: SimulatedNAT(mapping: .endpointIndependent, filtering: .endpointIndependent))
        simulation.silentSources = [Self.alternate.ip]
        let report = simulation.run()
        #expect(report.filtering.value == nil, "\(report.filtering.evidence)")
        #expect(report.filtering.evidence.contains { $0.contains("alternate IP") })
    }

    /// Answers late by less than half the gap between copies (5 ms at least) were not lost.
    @Test func jitterIsNotLoss() {
        for seed in UInt64(1)...8 {
            var simulation = ClassifierSimulation(nat: SimulatedNAT(mapping: .endpointIndependent, filtering: .addressAndPortDependent))
            simulation.oneWayDelay = .milliseconds(5)
            simulation.jitter = .milliseconds(2)
            simulation.seed = seed
            let report = simulation.run()
            #expect(report.lossEstimate == 0, "seed \(seed): \(report.tests.map { "\($0.test) x\($0.transmissions)" })")
        }
    }

    /// On a LAN-like path a lost copy's successor answers 10 ms later: that is loss, and it
    /// raises the copies sent, so a missing answer stays unlikely to be bad luck.
    @Test func lossOnAFastPathIsSeen() {
        var seen = 0
        for seed in UInt64(1)...8 {
            var simulation = ClassifierSimulation(nat: SimulatedNAT(mapping: .endpointIndependent, filtering: .addressAndPortDependent))
            simulation.loss = 0.15
            simulation.seed = seed
            let report = simulation.run()
            if (report.lossEstimate ?? 0) > 0.05 { seen += 1 }
        }
        #expect(seen >= 6, "loss seen in \(seen) of 8 runs at 15% loss each way")
    }
}
