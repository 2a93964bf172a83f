import Foundation
import NATLab
import Testing

extension LabTests {
    /// `natctl punch --wireguard` on real wireguard-go interfaces behind lab NATs, neither port forwarded.
    @Suite struct WireGuardLabTests {
        /// Each side lists a dead endpoint, the peer's private address and its public one; run
        /// on both hosts at once, the two sides' initiations to the right one punch through
        /// both port-restricted NATs, and each reports why the others failed.
        @Test func endpointListFindsTheOneThatHandshakes() async throws {
            try await LabFixture.with(name: "twglist", ["a=eim-apdf", "b=eim-apdf"]) { state in
                let wg = try WireGuardSites(state, sites: ["a", "b"])
                defer { wg.stop() }
                func arguments(_ site: String, peer: String) throws -> [String] {
                    let other = try state.site(peer)
                    return [
                        "--wireguard", wg[site].interface, "--peer-key", wg[peer].publicKey, "--endpoint", "203.0.113.250:51820",
                        "--endpoint", "\(other.hostAddress):51820", "--endpoint", "\(other.publicAddress):51820",
                        "--attempt-timeout", "1", "--timeout", "15", "--probe-ip", wg[peer].tunnelIP,
                    ]
                }
                let first = try LabProcess(state, site: "a", ["punch", "--json"] + arguments("a", peer: "b"), captureStderr: false)
                let second = try LabProcess(state, site: "b", ["punch", "--json"] + arguments("b", peer: "a"), captureStderr: false)
                async let outputA = first.finish()
                async let outputB = second.finish()
                let outputs = await [outputA, outputB]
                for (site, peer, output) in [("a", "b", outputs[0]), ("b", "a", outputs[1])] {
                    let report = try LabFixture.json(output.stdout)
                    #expect(output.status == 0, "\(site): \(output.stdout)")
                    #expect(report["schema"] as? String == "natctl.punch-wireguard/1")
                    #expect(report["outcome"] as? String == "SUCCESS")
                    #expect(report["path"] as? String == "direct")
                    let publicEndpoint = "\(try state.site(peer).publicAddress):51820"
                    #expect(report["endpoint"] as? String == publicEndpoint)
                    let attempts = try #require(report["attempts"] as? [[String: Any]])
                    #expect(attempts.last?["endpoint"] as? String == publicEndpoint)
                    #expect(attempts.last?["outcome"] as? String == "handshake")
                    // The dead and private endpoints failed for a stated reason, with initiations sent.
                    for failed in attempts.dropLast() {
                        #expect(["no-response", "icmp"].contains(failed["outcome"] as? String), "\(failed)")
                    }
                    let dead = attempts.first { $0["endpoint"] as? String == "203.0.113.250:51820" }
                    #expect((dead?["initiations"] as? Int ?? 0) >= 1, "\(String(describing: dead))")
                    let probe = try #require(report["probe"] as? [String: Any])
                    #expect(probe["received"] as? Int ?? 0 > 0)
                    // The endpoint stays set in WireGuard, on the same running interface and port.
                    let line = try #require(try wg.dump(site).first { $0.first == wg[peer].publicKey })
                    #expect(line[2] == publicEndpoint)
                    #expect(try wg.listenPort(site) == 51820)
                    #expect(wg.isRunning(site))
                }
                // Traffic still flows after natctl has gone.
                let ping = try LabFixture.exec(state, site: "a", ["ping", "-c", "1", "-W", "2", wg["b"].tunnelIP])
                #expect(ping.status == 0)
            }
        }

        /// No candidate answers: TIMEOUT, exit 2, and the peer's original endpoint is put back.
        @Test func noEndpointAnswersRestoresTheOriginal() async throws {
            try await LabFixture.with(name: "twgnone", ["a=eim-apdf", "b=eim-apdf"]) { state in
                let wg = try WireGuardSites(state, sites: ["a", "b"])
                defer { wg.stop() }
                try wg.exec("a", ["wg", "set", wg["a"].interface, "peer", wg["b"].publicKey, "endpoint", "203.0.113.251:51820"])
                let output = try LabFixture.natctl(state, site: "a", [
                    "punch", "--json", "--wireguard", wg["a"].interface, "--peer-key", wg["b"].publicKey,
                    "--endpoint", "\(try state.site("b").publicAddress):51820", "--attempt-timeout", "0.5", "--timeout", "2",
                ])
                #expect(output.status == 2)
                let report = try LabFixture.json(output.stdout)
                #expect(report["outcome"] as? String == "TIMEOUT")
                #expect(report["restored"] as? Bool == true)
                #expect((report["attempts"] as? [Any])?.count ?? 0 >= 2)
                let line = try #require(try wg.dump("a").first { $0.first == wg["b"].publicKey })
                #expect(line[2] == "203.0.113.251:51820")
                #expect(line[3] == "\(wg["b"].tunnelIP)/32")
            }
        }
    }
}
