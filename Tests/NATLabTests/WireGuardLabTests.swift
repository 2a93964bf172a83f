import Foundation
import NATLab
import Testing

extension LabTests {
    /// `natctl punch --wireguard` on real wireguard-go interfaces behind lab NATs, neither port forwarded.
    @Suite struct WireGuardLabTests {
        /// Each side lists a dead endpoint, the peer's private address and its public one; run
        /// on both hosts at once, the two sides' initiations to the right one punch through
        /// both NATs, and each reports why the others failed. Behind full cones both sides'
        /// initiations get through at once, where crossing initiations would cancel out.
        @Test(arguments: ["eim-apdf", "eim-eif"])
        func endpointListFindsTheOneThatHandshakes(behaviour: String) async throws {
            try await LabFixture.with(name: "twglist", ["a=\(behaviour)", "b=\(behaviour)"]) { state in
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
                    #expect(try LabFixture.schemaProblem(output.stdout) == nil)
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
                #expect(try LabFixture.schemaProblem(output.stdout, error: "punch-failed") == nil)
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

/// Both sides of `punch --wireguard --code` at once, on the sites' WireGuard interfaces.
struct WireGuardPunchPair {
    var statuses: [Int32]
    var reports: [[String: Any]]
    var schemaProblems: [String]

    static func run(_ state: LabState, _ wg: WireGuardSites, extra: [String] = []) async throws -> WireGuardPunchPair {
        let code = "\(Int.random(in: 1000...9999))-wire-guard-grid"
        func arguments(_ site: String, _ peer: String) -> [String] {
            ["punch", "--json", "--wireguard", wg[site].interface, "--code", code, "--probe-ip", wg[peer].tunnelIP, "--timeout", "25", "--duration", "3"] + extra
        }
        let first = try LabProcess(state, site: "a", arguments("a", "b"), captureStderr: false)
        let second = try LabProcess(state, site: "b", arguments("b", "a"), captureStderr: false)
        async let outputA = first.finish()
        async let outputB = second.finish()
        let outputs = await [outputA, outputB]
        let problems = try outputs.compactMap { try LabFixture.schemaProblem($0.stdout) }
        return WireGuardPunchPair(statuses: outputs.map(\.status), reports: try outputs.map { try LabFixture.json($0.stdout) }, schemaProblems: problems)
    }

    var outcomes: [String] { reports.map { $0["outcome"] as? String ?? "?" } }
    var succeeded: Bool { outcomes == ["SUCCESS", "SUCCESS"] && statuses == [0, 0] && schemaProblems.isEmpty }
    var kind: String {
        let paths = reports.map { $0["path"] as? String ?? "none" }
        return Set(paths).count == 1 ? paths[0] : paths.joined(separator: "/")
    }
    var handshakeMs: Double { reports.map { $0["handshake_ms"] as? Double ?? .nan }.max() ?? .nan }
    /// The handshake itself: from setting the endpoint to WireGuard's handshake, slower side.
    var shakeMs: Double {
        reports.map { (($0["attempts"] as? [[String: Any]])?.last?["ms"] as? Double) ?? .nan }.max() ?? .nan
    }
    var forwarded: String { reports.map { $0["forwarder"] is String ? "fwd" : "wg" }.joined(separator: "/") }
    var probes: String { reports.map { "\((($0["probe"] as? [String: Any])?["received"] as? Int) ?? 0)" }.joined(separator: "/") }
    var summary: String {
        "outcomes \(outcomes), path \(kind), schema \(schemaProblems), errors \(reports.map { (($0["error"] as? [String: Any])?["message"] as? String) ?? "" })"
    }

    static let header = "site a         site b         expected  result    carried  handshake_ms  shake_ms  probes"

    func row(a: String, b: String, expected: String) -> String {
        let result = succeeded ? kind : outcomes.joined(separator: "/")
        let milliseconds = { (value: Double) in value.isFinite ? String(Int(value)) : "-" }
        return [
            a.padded(15), b.padded(15), expected.padded(10), result.padded(10), forwarded.padded(9), milliseconds(handshakeMs).padded(14),
            milliseconds(shakeMs).padded(10), probes,
        ].joined()
    }
}

extension LabTests.WireGuardLabTests {
    /// Rendezvous on WireGuard's own port for every pairing of the lab's behaviours: a
    /// handshake and ICMP through the tunnel in every pair, direct wherever punch is direct,
    /// relayed (through the local forwarder) otherwise; wireguard-go never restarts.
    @Test func rendezvousGridOfBehaviours() async throws {
        var rows: [String] = []
        var failures: [String] = []
        let behaviours = LabTests.PunchLabTests.behaviours
        // NATCTL_WG_GRID=a,b runs one cell; NATCTL_WG_GRID_IMPAIR=LOSS,DELAY runs the grid on
        // impaired links (by hand: CI runs it plain, as the punch grid covers the impairment).
        let environment = ProcessInfo.processInfo.environment
        let only = environment["NATCTL_WG_GRID"].map { $0.split(separator: ",").map(String.init) }
        let impairment = environment["NATCTL_WG_GRID_IMPAIR"].map { $0.split(separator: ",").compactMap { Int($0) } } ?? []
        let (loss, delay) = impairment.count == 2 ? (impairment[0], impairment[1]) : (0, 0)
        for (i, a) in behaviours.enumerated() {
            for b in behaviours[i...] where only == nil || only == [a.rawValue, b.rawValue] {
                let cell = try await LabFixture.with(name: "twggrid", ["a=\(a.rawValue)", "b=\(b.rawValue)"], loss: loss, delay: delay) { state in
                    let wg = try WireGuardSites(state, sites: ["a", "b"])
                    defer { wg.stop() }
                    let pair = try await WireGuardPunchPair.run(state, wg)
                    for site in ["a", "b"] where try !wg.isRunning(site) || wg.listenPort(site) != WireGuardSites.port {
                        failures.append("\(a.rawValue) x \(b.rawValue): wireguard-go on \(site) stopped or moved")
                    }
                    return pair
                }
                let expected = LabTests.PunchLabTests.expectsDirect(a, b) ? "direct" : "relayed"
                rows.append(cell.row(a: a.rawValue, b: b.rawValue, expected: expected))
                if !cell.succeeded || cell.kind != expected { failures.append("\(a.rawValue) x \(b.rawValue): \(cell.summary)") }
            }
        }
        print("WireGuard rendezvous grid, \(loss)% loss, \(delay) ms delay:\n" + WireGuardPunchPair.header + "\n" + rows.joined(separator: "\n"))
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }
}

extension LabTests.WireGuardLabTests {
    /// Behind two symmetric NATs the forwarder carries WireGuard through the relay until
    /// natctl is stopped: SIGTERM ends it cleanly (exit 0, the tunnel had worked), and each
    /// peer's endpoint is put back, since the loopback forwarder is gone.
    @Test func forwarderRunsUntilStoppedAndPutsTheEndpointBack() async throws {
        try await LabFixture.with(name: "twgfwd", ["a=apdm-apdf", "b=apdm-apdf"]) { state in
            let wg = try WireGuardSites(state, sites: ["a", "b"])
            defer { wg.stop() }
            let code = "\(Int.random(in: 1000...9999))-wire-guard-stop"
            let sides = try [("a", "b"), ("b", "a")].map { site, peer in
                try LabProcess(state, site: site, ["punch", "--wireguard", wg[site].interface, "--code", code, "--probe-ip", wg[peer].tunnelIP, "--timeout", "25"])
            }
            for side in sides { _ = try side.readStderr(until: "forwarding until stopped") }
            // The tunnel works through the forwarders while natctl runs.
            #expect(try LabFixture.exec(state, site: "a", ["ping", "-c", "1", "-W", "2", wg["b"].tunnelIP]).status == 0)
            for side in sides { side.send(SIGTERM) }
            for (index, side) in sides.enumerated() {
                let output = await side.finish()
                let site = index == 0 ? "a" : "b"
                #expect(output.status == 0, "\(site): \(output.stdout)")
                #expect(output.stdout.contains("SUCCESS: WireGuard handshake, relayed via 127.0.0.1:"), "\(output.stdout)")
                #expect(output.stdout.contains("original put back (none) when the forwarder stopped"), "\(output.stdout)")
                let line = try #require(try wg.dump(site).first { $0.first == wg[index == 0 ? "b" : "a"].publicKey })
                #expect(line[2] == "(none)", "\(line)")
            }
        }
    }
}
