import Foundation
import NATLab
import Testing

extension LabTests {
    /// natctl as a libp2p peer on the lab internet: its circuit relay v2 hop between py-libp2p
    /// hosts behind symmetric NATs, and its AutoNAT service (v2, a real dial-back carrying the
    /// nonce) beside a py-libp2p one (v1, which reuses the asking connection) for `classify --autonat`.
    @Suite struct Libp2pRelayLabTests {
        /// `relay serve --libp2p-listen` on the lab internet, until `stop`.
        struct Relay {
            let process: LabProcess
            let multiaddr: String

            init(_ state: LabState, listen: String, libp2pPort: Int) throws {
                process = try LabProcess(
                    namespace: state.publicNamespace,
                    [LabFixture.natctl, "relay", "serve", "--listen", listen, "--libp2p-listen", "\(libp2pPort)", "--json"], captureStderr: false)
                let first = try process.readStdout(until: "\n").split(separator: "\n").first.map(String.init) ?? ""
                multiaddr = try #require(try LabFixture.json(first)["libp2p"] as? String, "listening line: \(first)")
            }

            /// SIGTERM, then every JSON line it printed after `listening`.
            func stop() async throws -> [[String: Any]] {
                process.send(SIGTERM)
                let output = await process.finish()
                for line in output.stdout.split(separator: "\n") { #expect(try LabFixture.schemaProblem(String(line)) == nil, "\(line)") }
                return try output.stdout.split(separator: "\n").map { try LabFixture.json(String($0)) }
            }
        }

        @Test func symmetricNATPeersReserveOnNatctlAndExchangeDataThroughIt() async throws {
            try await LabFixture.with(name: "tp2pr", ["a=apdm-apdf", "b=apdm-apdf"]) { state in
                let relay = try Relay(state, listen: "203.0.113.1:3490", libp2pPort: 4001)
                var relayRunning = true
                defer { if relayRunning { relay.process.terminate() } }
                let script = Libp2pNode.scripts.appendingPathComponent("libp2p-relay-peer.py").path
                let a = try state.site("a")
                let listener = try LabProcess(
                    namespace: a.hostNamespace, [Libp2pNode.python, script, "listen", a.hostAddress, "4001", relay.multiaddr], captureStderr: false)
                defer { listener.terminate() }
                let reserved = try LabFixture.json(try listener.readStdout(until: "\n").split(separator: "\n").first.map(String.init) ?? "")
                let circuit = try #require(reserved["circuit"] as? String, "\(reserved)")
                let listenerID = try #require(reserved["peer_id"] as? String)
                #expect(circuit == "\(relay.multiaddr)/p2p-circuit/p2p/\(listenerID)")

                let b = try state.site("b")
                let dial = try LabFixture.exec(state, site: "b", [Libp2pNode.python, script, "dial", b.hostAddress, circuit, "20000"])
                #expect(dial.status == 0, "\(dial.stdout)")
                let echoed = try LabFixture.json(dial.stdout)
                #expect(echoed["ok"] as? Bool == true && echoed["relayed"] as? Bool == true && echoed["bytes"] as? Int == 20000, "\(echoed)")

                relayRunning = false
                let events = try await relay.stop()
                func event(_ name: String) -> [String: Any]? { events.first { $0["event"] as? String == name } }
                let reservation = try #require(event("circuit-reserved")?["circuit"] as? [String: Any], "\(events)")
                #expect(reservation["peer"] as? String == listenerID)
                #expect((event("circuit-reserved")?["client"] as? String)?.hasPrefix("\(a.publicAddress):") == true, "the relay sees a's NAT")
                let opened = try #require(event("circuit-opened")?["circuit"] as? [String: Any], "\(events)")
                #expect(opened["destination"] as? String == listenerID)
                let closed = try #require(event("circuit-closed")?["circuit"] as? [String: Any], "\(events)")
                // The relayed connection carries Noise and yamux of its own around the 20000 bytes.
                #expect((closed["bytes_to_destination"] as? Int ?? 0) > 20000 && (closed["bytes_to_source"] as? Int ?? 0) > 20000, "\(closed)")
            }
        }

        @Test func autonatTellsAPublicHostAndAForwardedPortFromAPrivateOne() async throws {
            try await LabFixture.with(name: "tp2pa", ["a=none", "b=eim-apdf"], forward: ["b:4100"]) { state in
                let first = try Relay(state, listen: "203.0.113.1:3490", libp2pPort: 4001)
                defer { first.process.terminate() }
                let second = try Relay(state, listen: "203.0.113.2:3491", libp2pPort: 4002)
                defer { second.process.terminate() }
                let reusing = try Libp2pNode(namespace: state.publicNamespace, ip: "203.0.113.40", addingAddressTo: "br0", options: ["--autonat"])
                defer { reusing.stop() }
                // A public host; a NAT's forwarded port; the same NAT at a port it does not forward.
                let cases = [("a", 4100, "public"), ("b", 4100, "public"), ("b", 4200, "private")]
                for (name, port, expected) in cases {
                    let site = try state.site(name)
                    let label = "\(name):\(port)"
                    let output = try LabFixture.natctl(
                        state, site: name,
                        ["classify", "--no-hairpin", "--port-samples", "0", "--timeout", "10", "--autonat-listen", "0.0.0.0:\(port)", "--autonat-threshold", "2",
                         "--autonat", first.multiaddr, "--autonat", second.multiaddr, "--autonat", reusing.multiaddr, "--json"])
                    #expect(try LabFixture.schemaProblem(output.stdout) == nil)
                    let autonat = try #require(try LabFixture.json(output.stdout)["autonat"] as? [String: Any], "\(label): \(output.stdout)")
                    let nodes = autonat["nodes"] as? [[String: Any]] ?? []
                    #expect(autonat["overall"] as? String == expected, "\(label): \(autonat)")
                    #expect(nodes.count == 3)
                    for node in nodes.prefix(2) {
                        // natctl's servers offer v2 and dial back for real: the verdict and the evidence agree.
                        let arrived = expected == "public"
                        #expect(node["version"] as? String == "v2" && node["status"] as? String == "OK", "\(label): \(node)")
                        #expect(node["dial_back_arrived"] as? Bool == arrived && node["reachability"] as? String == expected, "\(label): \(node)")
                        #expect(node["dial_status"] as? String == (arrived ? "OK" : "E_DIAL_ERROR"), "\(label): \(node)")
                        #expect((node["asked"] as? [String])?.first == "/ip4/\(site.publicAddress)/tcp/\(port)", "\(label): \(node)")
                    }
                    // py-libp2p answers OK without a new connection, wherever the host is: not counted.
                    let py = try #require(nodes.last)
                    #expect(py["version"] as? String == "v1" && py["status"] as? String == "OK" && py["dial_back_arrived"] as? Bool == false && py["reachability"] as? String == "unknown", "\(label): \(py)")
                }
            }
        }
    }
}
