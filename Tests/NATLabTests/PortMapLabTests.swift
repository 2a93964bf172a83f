import Foundation
import NATLab
import Testing

/// Port mapping against a real miniupnpd (UPnP IGD, NAT-PMP, PCP) on the lab router, with
/// miniupnpc's `upnpc` and `natpmpc` as independent witnesses.
extension LabTests {
@Suite struct PortMapLabTests {
    static let protocols = ["upnp", "natpmp", "pcp"]

    @Test func probeFindsAllThreeProtocolsAndTheirExternalAddress() async throws {
        try await LabFixture.with(name: "tpmask", ["a=eim-apdf,portmap"]) { state in
            let site = state.sites[0]
            let verified = try LabVerification.run(state, natctl: LabFixture.natctl).sites[0]
            #expect(verified.passed && verified.observedPortMapping == Self.protocols, "lab verify: \(verified.evidence)")
            #expect(try Self.upnpcListing(state).isEmpty, "verify's test mappings are deleted")
            let output = try LabFixture.natctl(state, site: "a", ["probe", "--portmap", "map", "--json"])
            #expect(output.status == 0, "\(output.stdout)")
            let survey = try #require(try LabFixture.json(output.stdout)["port_mapping"] as? [String: Any])
            #expect(survey["gateway"] as? String == site.routerLANAddress)
            #expect(survey["offered"] as? [String] == Self.protocols)
            #expect(survey["usable"] as? [String] == Self.protocols)
            for result in try #require(survey["protocols"] as? [[String: Any]]) {
                let name = result["protocol"] as? String ?? "?"
                #expect(result["external_address"] as? String == site.publicAddress, "\(name)")
                #expect(result["external_is_public"] as? Bool == true, "\(name)")
                #expect(result["test_mapping_deleted"] as? Bool == true, "\(name): \(result)")
            }
            // Ask mode creates nothing: the gateway's table stays empty.
            let ask = try LabFixture.natctl(state, site: "a", ["probe", "--portmap", "ask", "--require", "portmap", "--json"])
            #expect(ask.status == 0)
            #expect(try Self.upnpcListing(state).isEmpty)
            // The witnesses see the same address.
            let natpmpc = try LabFixture.exec(state, site: "a", ["natpmpc", "-g", site.routerLANAddress ?? ""]).stdout
            #expect(natpmpc.contains("Public IP address : \(site.publicAddress)"))
        }
    }

    @Test func eachProtocolMapsAPortThatTheInternetReaches() async throws {
        try await LabFixture.with(name: "tpmadd", ["a=eim-apdf,portmap"]) { state in
            let site = state.sites[0]
            for (index, name) in Self.protocols.enumerated() {
                let port = 4400 + index
                let added = try LabFixture.json(
                    try LabFixture.natctl(state, site: "a", ["portmap", "add", "--port", "\(port)", "--protocol", name, "--lifetime", "120", "--json"]).stdout)
                #expect(added["protocol"] as? String == name)
                let mapping = try #require(added["mapping"] as? [String: Any], "\(name): \(added)")
                #expect(mapping["external_address"] as? String == site.publicAddress, "\(name)")
                let external = try #require(mapping["external_port"] as? Int)
                // The witness lists it, and a datagram from the lab internet reaches the host.
                #expect(try Self.upnpcListing(state).contains { $0.contains("\(external)->\(site.hostAddress):\(port)") }, "\(name)")
                let received = try Self.datagramArrives(state, hostPort: port, to: "\(site.publicAddress):\(external)")
                #expect(received, "\(name): nothing reached the host through \(site.publicAddress):\(external)")
                var delete = ["portmap", "delete", "--port", "\(port)", "--external-port", "\(external)", "--protocol", name, "--json"]
                if let nonce = mapping["nonce"] as? String { delete += ["--nonce", nonce] }
                let deleted = try LabFixture.natctl(state, site: "a", delete)
                #expect(deleted.status == 0, "\(name): \(deleted.stdout)")
                #expect(try !Self.upnpcListing(state).contains { $0.contains(":\(port)") }, "\(name): still listed after delete")
            }
        }
    }

    @Test func renewsWhileRunningAndDeletesOnSIGINT() async throws {
        try await LabFixture.with(name: "tpmkeep", ["a=eim-apdf,portmap"]) { state in
            let renewing = try LabFixture.json(
                try LabFixture.natctl(state, site: "a", ["portmap", "add", "--port", "4500", "--protocol", "natpmp", "--lifetime", "2", "--duration", "3.5", "--json"]).stdout)
            #expect((renewing["renewals"] as? Int ?? 0) >= 1, "\(renewing)")
            #expect(renewing["deleted"] as? Bool == true)
            #expect(renewing["stopped_by"] as? String == "duration elapsed")

            let held = try LabProcess(state, site: "a", ["portmap", "add", "--port", "4501", "--protocol", "upnp", "--duration", "600", "--json"])
            _ = try held.readStderr(until: "mapped with UPnP")
            #expect(try Self.upnpcListing(state).contains { $0.contains(":4501") })
            held.send(SIGINT)
            let output = await held.finish()
            let report = try LabFixture.json(output.stdout)
            #expect(report["stopped_by"] as? String == "SIGINT")
            #expect(report["deleted"] as? Bool == true)
            #expect(try !Self.upnpcListing(state).contains { $0.contains(":4501") })
        }
    }

    @Test func aGatewayBehindACarrierNATIsReportedUseless() async throws {
        try await LabFixture.with(name: "tpmcg", ["a=eim-apdf,cgnat,portmap"]) { state in
            let verified = try LabVerification.run(state, natctl: LabFixture.natctl).sites[0]
            #expect(verified.passed && verified.observedPortMapping == [], "lab verify: \(verified.evidence)")
            let output = try LabFixture.natctl(state, site: "a", ["probe", "--portmap", "map", "--require", "portmap", "--json"])
            #expect(output.status == 1, "the gateway answers, but no mapping reaches the internet")
            let survey = try #require(try LabFixture.json(output.stdout)["port_mapping"] as? [String: Any])
            #expect(survey["offered"] as? [String] == Self.protocols)
            #expect(survey["usable"] as? [String] == [])
            let warnings = survey["warnings"] as? [String] ?? []
            #expect(warnings.contains { $0.contains("no public address") }, "\(warnings)")
            // Asking alone already tells: NAT-PMP's refusal holds for PCP on the same server.
            let asked = try LabFixture.natctl(state, site: "a", ["probe", "--portmap", "ask", "--require", "portmap", "--json"])
            #expect(asked.status == 1, "\(asked.stdout)")
            let added = try LabFixture.natctl(state, site: "a", ["portmap", "add", "--port", "4600", "--json"])
            #expect(added.status == 2)
            #expect((try LabFixture.json(added.stdout)["error"] as? [String: Any])?["code"] as? String == "portmap-failed")
        }
    }

    /// Two random symmetric NATs: no punching beats them (the relay carries the negative
    /// control), but a port mapping on one side gives a direct path; and the dial-back that
    /// finds the host private finds it public through a mapping.
    @Test func aRandomNATWithAPortMappingIsReachableAndPunchesDirect() async throws {
        try await LabFixture.with(name: "tpmpunch", ["a=apdm-apdf,portmap", "b=apdm-apdf"]) { state in
            let closed = try LabFixture.json(try LabFixture.natctl(state, site: "a", ["classify", "--dial-back", "--json"]).stdout)
            #expect((closed["reachability"] as? [String: Any])?["overall"] as? String == "private")
            let mapped = try LabFixture.json(try LabFixture.natctl(state, site: "a", ["classify", "--dial-back", "--portmap", "--json"]).stdout)
            let reachability = try #require(mapped["reachability"] as? [String: Any])
            #expect(reachability["overall"] as? String == "public", "\(reachability)")
            #expect((reachability["port_mappings"] as? [[String: Any]])?.count == 2, "one mapping per transport")
            #expect(try Self.upnpcListing(state).isEmpty, "classify deletes its mappings")

            let control = try await PunchPair.run(state, ["--timeout", "20"])
            #expect(control.succeeded, "\(control.summary)")
            #expect(control.kind == "relayed", "random × random without a mapping: \(control.summary)")
            let code = ["--code", "\(Int.random(in: 1000...9999))-portmap-test-words"]
            let (a, b) = try await PunchPair.outputs(state, a: code + ["--portmap"], b: code, common: ["--timeout", "20", "--require", "direct"])
            let pair = PunchPair(statuses: [a.status, b.status], reports: try [a, b].map { try LabFixture.json($0.stdout) })
            #expect(pair.succeeded && pair.kind == "direct", "\(pair.summary)")
            #expect(pair.reports.map { $0["strategy"] as? String } == ["simultaneous-open", "simultaneous-open"], "both sides see the mapping and choose alike")
            let mapping = try #require(pair.reports[0]["port_mapping"] as? [String: Any], "site a made no mapping: \(pair.reports[0]["warnings"] ?? "")")
            let candidate = "\(state.sites[0].publicAddress):\(mapping["external_port"] as? Int ?? 0)"
            #expect(pair.reports[1]["remote"] as? String == candidate, "b reached a through the mapping")
            #expect(try Self.upnpcListing(state).isEmpty, "the mapping is deleted when punch ends")
        }
    }

    /// `upnpc -l`'s mapping lines, ` 0 UDP  4400->10.0.1.2:4400  'natctl' '' 119`, without its
    /// header (`-i`: libminiupnpc calls documentation ranges reserved).
    static func upnpcListing(_ state: LabState) throws -> [String] {
        let text = try LabFixture.exec(state, site: "a", ["upnpc", "-i", "-l"]).stdout
        return text.split(separator: "\n").map(String.init).filter { $0.contains("->") && ($0.contains(" UDP ") || $0.contains(" TCP ")) }
    }

    /// Binds a UDP port on the host, sends three datagrams to `destination` from the lab
    /// internet once it is bound, and says whether one arrived within 3 s.
    static func datagramArrives(_ state: LabState, hostPort: Int, to destination: String) throws -> Bool {
        let receiver = try LabProcess(
            namespace: state.sites[0].hostNamespace,
            ["python3", "-c", """
            import socket, sys
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", \(hostPort))); s.settimeout(3)
            print("bound", flush=True)
            try:
                data, sender = s.recvfrom(100); print("received", data.decode(), flush=True)
            except socket.timeout:
                print("timeout", flush=True)
            """])
        defer { receiver.terminate() }
        _ = try receiver.readStdout(until: "bound")
        let parts = destination.split(separator: ":")
        _ = try LabFixture.run(
            namespace: state.publicNamespace,
            ["python3", "-c", "import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\nfor _ in range(3): s.sendto(b'natctl', ('\(parts[0])', \(parts[1])))"])
        return try receiver.readStdout(until: "\n").contains("received natctl")
    }
}
}
