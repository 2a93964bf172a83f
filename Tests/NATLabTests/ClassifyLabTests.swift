import Foundation
import NATLab
import Testing

/// `natctl classify` behind every lab NAT, judged against what `lab verify` proved with packets.
extension LabTests {
@Suite struct ClassifyLabTests {
    /// Behaviours in pairs, one lab (two sites) per pair.
    static let pairs: [[String]] = {
        let all = NATBehaviour.allCases.map(\.rawValue)
        return stride(from: 0, to: all.count, by: 2).map { Array(all[$0..<min($0 + 2, all.count)]) }
    }()

    /// (loss %, one-way delay ms, jitter ms): clean, 10% loss each way, 100 ms round trip with jitter.
    @Test(arguments: [(0, 0, 0), (10, 0, 0), (0, 50, 5)])
    func classifyReportsTheVerifiedBehaviour(lossPercent: Int, delay: Int, jitter: Int) async throws {
        for pair in Self.pairs {
            let sites = zip(["a", "b"], pair).map { "\($0)=\($1)" }
            try await LabFixture.with(name: "tclass", sites, loss: lossPercent, delay: delay, jitter: jitter) { state in
                let ground = try LabVerification.run(state, natctl: LabFixture.natctl)
                for (site, truth) in zip(state.sites, ground.sites) {
                    try #require(truth.passed, "lab verify must prove \(truth.behaviour) first: \(truth.evidence)")
                    for run in 1...3 {
                        try expectVerdict(state, site: site, truth: truth, run: run, impairment: "\(lossPercent)% loss, \(delay)±\(jitter) ms")
                    }
                }
            }
        }
    }

    private func expectVerdict(
        _ state: LabState, site: LabState.Site, truth: LabVerification.SiteResult, run: Int, impairment: String
    ) throws {
        let output = try LabFixture.natctl(state, site: site.name, ["classify", "--json"])
        let report = try LabFixture.json(output.stdout)
        let label = "\(truth.behaviour), run \(run), \(impairment)"
        let mapping = (report["mapping"] as? [String: Any])?["value"] as? String
        let filtering = (report["filtering"] as? [String: Any])?["value"] as? String
        #expect(report["udp"] as? Bool == truth.observedUdp, "\(label)")
        guard truth.observedUdp else {
            #expect(output.status == 2, "\(label): no UDP answer is exit 2")
            #expect(report["rfc3489"] as? String == "udp-blocked", "\(label)")
            return
        }
        #expect(output.status == 0, "\(label)")
        #expect(mapping == truth.observedMapping, "\(label): \(report["mapping"] ?? "")")
        #expect(filtering == truth.observedFiltering, "\(label): \(report["filtering"] ?? "")")
        #expect(report["public_address"] as? String != nil)
        #expect(report["no_nat"] as? Bool == (site.behaviour == .none), "\(label)")
        let ports = ((report["port_allocation"] as? [String: Any])?["value"] as? [String: Any])?["kind"] as? String
        switch site.behaviour {
        case .apdmAPDFSequential: #expect(ports == "sequential", "\(label)")
        case .apdmAPDF: #expect(ports == "random", "\(label)")
        case .eimEIF, .eimADF, .eimAPDF, .none: #expect(ports == "preserved", "\(label)")
        case .udpBlocked: break
        }
    }

    @Test func expectationsGateCI() async throws {
        try await LabFixture.with(name: "texpect", ["a=eim-adf"]) { state in
            let met = try LabFixture.natctl(state, site: "a", ["classify", "--expect", "mapping=eim", "--expect", "filtering=adf"])
            #expect(met.status == 0)
            let unmet = try LabFixture.natctl(state, site: "a", ["classify", "--expect", "filtering=eif", "--json"])
            #expect(unmet.status == 1)
            let expectations = try LabFixture.json(unmet.stdout)["expectations"] as? [[String: Any]]
            #expect(expectations?.first?["met"] as? Bool == false)
        }
    }
}
}

/// Dial-back reachability behind real NATs: public without NAT or through a port forward,
/// private behind every NAT (even full cone: nothing has opened the listen port).
extension LabTests {
@Suite struct DialBackLabTests {
    @Test(arguments: [("none", [String](), "public"), ("eim-apdf", ["a:4000"], "public"), ("eim-eif", [], "private"),
        ("eim-apdf", [], "private"), ("apdm-apdf", [], "private")])
    func reachabilityMatchesTheTopology(behaviour: String, forward: [String], expected: String) async throws {
        try await LabFixture.with(name: "tdial", ["a=\(behaviour)"], forward: forward) { state in
            let output = try LabFixture.natctl(state, site: "a", ["classify", "--listen-port", "4000", "--json", "--expect", "reachability=\(expected)"])
            let reachability = try LabFixture.json(output.stdout)["reachability"] as? [String: Any]
            #expect(output.status == 0, "\(behaviour) \(forward): \(reachability ?? [:])")
            #expect(reachability?["overall"] as? String == expected)
        }
    }
}
}

extension LabTests {
    /// Site options: hairpinning on one site and off on the other; a 5 s UDP mapping timeout.
    @Suite struct HairpinAndLifetimeLabTests {
        @Test func hairpinIsSeenOnlyWhereTheRouterLoopsBack() async throws {
            try await LabFixture.with(name: "thair", ["a=eim-apdf,hairpin", "b=eim-apdf"]) { state in
                for (site, expected) in [("a", true), ("b", false)] {
                    let report = try LabFixture.json(try LabFixture.natctl(state, site: site, ["classify", "--json"]).stdout)
                    #expect((report["hairpin"] as? [String: Any])?["value"] as? Bool == expected, "site \(site)")
                }
            }
        }

        @Test func lifetimeFindsAFiveSecondTimeout() async throws {
            try await LabFixture.with(name: "tlife", ["a=eim-apdf,udp-timeout=5"]) { state in
                let output = try LabFixture.natctl(state, site: "a", ["classify", "--lifetime", "--timeout", "25", "--json"])
                let lifetime = try #require(try LabFixture.json(output.stdout)["lifetime_ms"] as? [String: Any])
                let seconds = try #require(lifetime["value"] as? Double, "\(lifetime)") / 1000
                #expect((3.5...6.5).contains(seconds), "\(lifetime)")
            }
        }
    }
}

extension LabTests {
    /// coturn's RFC 5780 client against natctl's server behind lab NATs: it must agree with `lab verify`.
    @Suite struct NatDiscoveryInteropLabTests {
        @Test func turnutilsNatdiscoveryAgreesWithTheLab() async throws {
            for pair in [["eim-eif", "eim-adf"], ["eim-apdf", "apdm-apdf"]] {
                try await LabFixture.with(name: "tnatd", ["a=\(pair[0])", "b=\(pair[1])"]) { state in
                    let truth = try LabVerification.run(state, natctl: LabFixture.natctl)
                    for (site, ground) in zip(state.sites, truth.sites) {
                        try #require(ground.passed)
                        let server = try #require(state.servers.first?.split(separator: ":").map(String.init))
                        let output = try LabFixture.exec(
                            state, site: site.name,
                            ["timeout", "15", "turnutils_natdiscovery", "-m", "-f", "-L", site.hostAddress, "-p", server[1], server[0]])
                        let said = { (kind: String) in
                            output.stdout.split(separator: "\n").first { $0.hasPrefix("NAT with ") && $0.hasSuffix(" \(kind)!") }
                                .map { $0.dropFirst("NAT with ".count).dropLast(" \(kind)!".count).lowercased().replacingOccurrences(of: " ", with: "-") }
                        }
                        #expect(said("Mapping") == ground.observedMapping, "\(site.behaviour): \(output.stdout)")
                        #expect(said("Filtering") == ground.observedFiltering, "\(site.behaviour): \(output.stdout)")
                    }
                }
            }
        }
    }
}
