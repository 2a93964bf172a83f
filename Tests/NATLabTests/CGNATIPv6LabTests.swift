import Foundation
import NATLab
import Testing

/// CGNAT sites, IPv6 firewall sites, and the hairpin and udp-timeout proofs of `lab verify`,
/// against real kernel NATs.
extension LabTests {
@Suite struct CGNATIPv6LabTests {
    @Test func cgnatSitesAreSeenFromTheCarrierAddress() async throws {
        try await LabFixture.with(name: "tcgnat", ["a=eim-apdf,cgnat", "b=eim-eif,cgnat=apdm-apdf"]) { state in
            #expect(LabBuilder.namespaces(prefix: "natctl-tcgnat-").count == 7, "pub + (router, host, cgnat) per site, as they exist")
            for site in state.sites {
                #expect(site.homeWanAddress?.hasPrefix("100.64.") == true, "home WAN in shared space: \(site.homeWanAddress ?? "-")")
            }
            let report = try LabVerification.run(state, natctl: LabFixture.natctl)
            for site in report.sites {
                #expect(site.passed, "\(site.behaviour) + \(site.cgnat ?? "-"): \(site.evidence.joined(separator: "; "))")
            }
            #expect(report.sites[0].observedPublicIp == "203.0.113.11")
            #expect(report.sites[0].observedMapping == "endpoint-independent")
            #expect(report.sites[1].observedMapping == "address-and-port-dependent", "the CGNAT's mapping wins")
            #expect(report.sites[1].observedFiltering == "address-and-port-dependent", "and so does its filtering")
        }
    }

    @Test func ipv6IsFirewalledNotTranslated() async throws {
        try await LabFixture.with(name: "tv6", ["a=eim-apdf", "b=none"], ipv6: true) { state in
            #expect(state.servers6?.count == 2)
            let report = try LabVerification.run(state, natctl: LabFixture.natctl)
            for (site, result) in zip(state.sites, report.sites) {
                let v6 = try #require(result.ipv6)
                #expect(result.passed, "\(result.behaviour): \((result.evidence + v6.evidence).joined(separator: "; "))")
                #expect(v6.observedPublicIp == site.hostAddress6, "no NAT: the server sees the host's own address")
                #expect(v6.observedMapping == "endpoint-independent")
            }
            #expect(report.sites[0].ipv6?.observedFiltering == "address-and-port-dependent", "unsolicited inbound is dropped")
            #expect(report.sites[1].ipv6?.observedFiltering == "endpoint-independent", "none: open")
        }
    }

    @Test func verifyProvesHairpinAndShortTimeouts() async throws {
        try await LabFixture.with(name: "thpto", ["a=eim-apdf,hairpin,udp-timeout=3", "b=eim-apdf,udp-timeout=60"]) { state in
            let report = try LabVerification.run(state, natctl: LabFixture.natctl)
            let (a, b) = (report.sites[0], report.sites[1])
            #expect(a.passed && b.passed, "\(a.evidence + b.evidence)")
            #expect(a.observedHairpin == true && b.observedHairpin == false)
            #expect(a.udpTimeout.proven == true && a.udpTimeout.aliveAfterControl == true && a.udpTimeout.aliveAfterIdle == false)
            #expect(b.udpTimeout.proven == nil && b.udpTimeout.note?.contains("10 s") == true, "60 s is too long to wait out")
        }
    }

    @Test func cgnatHairpinAndTimeoutOverBothFamilies() async throws {
        try await LabFixture.with(name: "tcgv6", ["a=eim-apdf,cgnat,hairpin,udp-timeout=3"], ipv6: true) { state in
            let site = try #require(LabVerification.run(state, natctl: LabFixture.natctl).sites.first)
            #expect(site.passed, "\(site.evidence + (site.ipv6?.evidence ?? []))")
            #expect(site.observedHairpin == true, "the CGNAT loops back its own address, through the home NAT")
            #expect(site.udpTimeout.proven == true, "the home router's timeout governs, the CGNAT's 30/120 s outlives it")
            #expect(site.ipv6?.udpTimeout.proven == true, "the IPv6 firewall's state expires too")
        }
    }
}
}
