import NATCore
import NATWire
import Testing

/// The binding-lifetime probe against NATs that forget idle mappings, in virtual time.
@Suite struct LifetimeMachineTests {
    func measure(timeout: Duration?, budget: Duration, delay: Duration = .milliseconds(1), loss: Double = 0, seed: UInt64 = 1)
        -> (Finding<Double>?, Duration)
    {
        var nat = SimulatedNAT(mapping: .endpointIndependent, filtering: .addressAndPortDependent)
        nat.mappingTimeout = timeout
        var simulation = ClassifierSimulation(nat: nat)
        simulation.oneWayDelay = delay
        simulation.loss = loss
        simulation.seed = seed
        let configuration = LifetimeMachine.Configuration(server: simulation.layout.primary, budget: budget, roundTrip: delay * 2)
        let ports = (0..<configuration.socketCount).map { UInt16(41000 + $0) }
        return simulation.simulate(LifetimeMachine(configuration: configuration), localPorts: ports)
    }

    @Test(arguments: [5, 12, 30])
    func findsTheTimeoutWithinTheBudget(seconds: Int) {
        let (finding, elapsed) = measure(timeout: .seconds(seconds), budget: .seconds(seconds * 3))
        let value = finding?.value ?? -1
        #expect(abs(value - Double(seconds)) <= Double(seconds) * 0.15, "\(finding?.evidence ?? [])")
        #expect(elapsed <= .seconds(seconds * 3), "stays within the budget")
    }

    @Test func aLongerLifetimeThanTheBudgetIsSaidSo() {
        let (finding, _) = measure(timeout: .seconds(120), budget: .seconds(20))
        #expect(finding?.value == nil)
        #expect(finding?.evidence.first?.contains("raise --timeout") == true)
    }

    @Test func lossDoesNotShortenTheLifetime() {
        for seed in UInt64(1)...5 {
            let (finding, _) = measure(timeout: .seconds(8), budget: .seconds(24), delay: .milliseconds(20), loss: 0.1, seed: seed)
            let value = finding?.value ?? 0
            #expect(value >= 6 && value <= 9.5, "seed \(seed): \(finding?.evidence ?? [])")
        }
    }
}
