import NATLab
import Testing

/// Rulesets and specs, without root.
@Suite struct NATBehaviourTests {
    @Test func everyNATBehaviourHasALabelledExpectation() {
        for behaviour in NATBehaviour.allCases where behaviour != .udpBlocked {
            #expect(behaviour.expectedMapping != nil, "\(behaviour)")
            #expect(behaviour.expectedFiltering != nil, "\(behaviour)")
        }
        #expect(NATBehaviour.udpBlocked.expectedMapping == nil)
    }

    @Test func siteSpecsParseAndRejectNonsense() throws {
        #expect(try LabSpec.SiteSpec(parsing: "a=eim-apdf") == LabSpec.SiteSpec(name: "a", behaviour: .eimAPDF))
        #expect(throws: LabError.self) { try LabSpec.SiteSpec(parsing: "a=teleport") }
        #expect(throws: LabError.self) { try LabSpec.SiteSpec(parsing: "A B=none") }
        #expect(throws: LabError.self) { try LabSpec.SiteSpec(parsing: "eim-apdf") }
        #expect(throws: LabError.self) { try LabSpec(name: "Bad Name", sites: [.init(name: "a", behaviour: .none)]).validate() }
        #expect(throws: LabError.self) {
            try LabSpec(sites: [.init(name: "a", behaviour: .none), .init(name: "a", behaviour: .eimEIF)]).validate()
        }
        #expect(throws: LabError.self) { try LabSpec(sites: [.init(name: "a", behaviour: .none)], lossPercent: 101).validate() }
    }
}
