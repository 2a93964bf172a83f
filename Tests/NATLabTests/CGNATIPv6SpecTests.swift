import NATLab
import Testing

/// CGNAT and IPv6 site specs, address plans and expectations, without root.
@Suite struct CGNATIPv6SpecTests {
    @Test func cgnatOptionsParse() throws {
        #expect(try LabSpec.SiteSpec(parsing: "a=eim-apdf,cgnat").cgnat == .eimAPDF, "plain cgnat is eim-apdf")
        #expect(try LabSpec.SiteSpec(parsing: "a=eim-eif,cgnat=apdm-apdf").cgnat == .apdmAPDF)
        #expect(try LabSpec.SiteSpec(parsing: "a=eim-apdf").cgnat == nil)
        let both = try LabSpec.SiteSpec(parsing: "a=eim-adf,hairpin,cgnat,udp-timeout=3")
        #expect(both.hairpin && both.udpTimeoutSeconds == 3 && both.cgnat == .eimAPDF, "options in any order")
        for bad in ["a=none,cgnat", "a=eim-apdf,cgnat=none", "a=eim-apdf,cgnat=teleport", "a=eim-apdf,hairpin,cgnat=apdm-apdf",
            "a=apdm-apdf,cgnat,hairpin"]
        {
            #expect(throws: LabError.self, "\(bad)") { try LabSpec.SiteSpec(parsing: bad) }
        }
    }

    @Test func addressPlanPutsTheHomeWANInSharedSpace() {
        let plan = SiteAddresses(number: 2, publicHost: false, cgnat: true, ipv6: true)
        #expect(plan.wan == "203.0.113.12")
        #expect(plan.homeWAN == "100.64.2.2" && plan.cgnatInside == "100.64.2.1" && plan.carrierLink == "100.64.2.0/24")
        #expect(plan.host == "10.0.2.2" && plan.lan == "10.0.2.0/24")
        #expect(plan.wan6 == "2001:db8::12" && plan.homeWAN6 == "2001:db8:2:64::2" && plan.host6 == "2001:db8:2::2")
        #expect(plan.sitePrefix6 == "2001:db8:2::/48")
        let plain = SiteAddresses(number: 1, publicHost: true, cgnat: false, ipv6: false)
        #expect(plain.homeWAN == plain.wan && plain.cgnatInside == nil && plain.host6 == nil)
        #expect(plain.host == "198.51.100.18" && plain.lan == "198.51.100.16/28")
    }

    @Test func layersCombineToTheStrictest() {
        func site(_ behaviour: NATBehaviour, cgnat: NATBehaviour?, hairpin: Bool? = nil) -> LabState.Site {
            LabState.Site(
                name: "a", behaviour: behaviour, hostNamespace: "h", routerNamespace: "r", hostAddress: "10.0.1.2",
                publicAddress: "203.0.113.11", forwardedPorts: nil, hairpin: hairpin, udpTimeoutSeconds: nil, cgnat: cgnat,
                cgnatNamespace: nil, homeWanAddress: nil, hostAddress6: nil)
        }
        let eifBehindAPDF = site(.eimEIF, cgnat: .eimAPDF)
        #expect(eifBehindAPDF.expectedMapping == "endpoint-independent")
        #expect(eifBehindAPDF.expectedFiltering == "address-and-port-dependent")
        #expect(site(.eimAPDF, cgnat: .apdmAPDF).expectedMapping == "address-and-port-dependent")
        #expect(site(.eimEIF, cgnat: .eimEIF).expectedFiltering == "endpoint-independent")
        #expect(site(.eimAPDF, cgnat: .udpBlocked).expectsUdp == false)
        #expect(site(.eimAPDF, cgnat: nil, hairpin: true).expectedHairpin == true)
        #expect(site(.eimAPDF, cgnat: nil).expectedHairpin == false)
        #expect(site(.none, cgnat: nil).expectedHairpin == nil)
        #expect(site(.eimEIF, cgnat: .eimAPDF).expectedFiltering6 == "address-and-port-dependent", "IPv6 is firewalled, not NATed")
        #expect(site(.none, cgnat: nil).expectedFiltering6 == "endpoint-independent")
    }
}
