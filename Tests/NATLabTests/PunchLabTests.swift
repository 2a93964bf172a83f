import Foundation
import NATLab
import Testing

extension LabTests {
    /// `natctl punch` between two real kernel NATs: the full behaviour grid, and the ways it fails.
    @Suite struct PunchLabTests {
        /// Every behaviour that passes UDP (`udp-blocked` passes nothing, so neither a direct nor a relayed path can exist).
        static let behaviours: [NATBehaviour] = [.none, .eimEIF, .eimADF, .eimAPDF, .apdmAPDFSequential, .apdmAPDF]

        /// Direct wherever one side maps endpoint-independently, or both are endpoint-independent
        /// or sequential (predictable); relayed otherwise. Random against sequential is as hard
        /// as random against random: each port the sequential side guesses for the random side
        /// opens a new mapping there, which the random side must aim at from many sockets of its
        /// own, so the packets needed grow as the product of both sides' budgets.
        static func expectsDirect(_ a: NATBehaviour, _ b: NATBehaviour) -> Bool {
            let independent: Set<NATBehaviour> = [.none, .eimEIF, .eimADF, .eimAPDF]
            if independent.contains(a) || independent.contains(b) { return true }
            return a == .apdmAPDFSequential && b == .apdmAPDFSequential
        }

        @Test func gridOfBehaviours() async throws {
            try await Self.runGrid(name: "tpgrid", loss: 0, delay: 0)
        }

        /// The impaired grids (50 ms per WAN, 5 % loss) take minutes each: they run by hand,
        /// `NATCTL_GRID_IMPAIRED=1 swift test --filter WithDelayAndLoss`, with figures in the notes.
        static let impairedGrids = ProcessInfo.processInfo.environment["NATCTL_GRID_IMPAIRED"] == "1"

        @Test(.enabled(if: impairedGrids, "a long grid: NATCTL_GRID_IMPAIRED=1 runs it"))
        func gridOfBehavioursWithDelayAndLoss() async throws {
            try await Self.runGrid(name: "tpgridl", loss: 5, delay: 50)
        }

        /// Routers without an input firewall (an unsolicited packet to the router claims the port
        /// it arrives on): the same grid, where the order in which the two sides' first packets
        /// arrive must not decide whether a direct path forms (low-TTL priming).
        @Test func gridOfBehavioursWithoutInputFirewalls() async throws {
            try await Self.runGrid(name: "tpgridn", loss: 0, delay: 0, options: ",no-input-firewall")
        }

        /// The same without input firewalls at 50 ms and 5 % loss, by hand (`NATCTL_GRID_IMPAIRED=1`).
        @Test(.enabled(if: impairedGrids, "a long grid: NATCTL_GRID_IMPAIRED=1 runs it"))
        func gridOfBehavioursWithoutInputFirewallsWithDelayAndLoss() async throws {
            try await Self.runGrid(name: "tpgridnl", loss: 5, delay: 50, options: ",no-input-firewall")
        }

        static func runGrid(
            name: String, loss: Int, delay: Int, options: String = ""
        ) async throws {
            var rows: [String] = []
            var failures: [String] = []
            for (i, a) in behaviours.enumerated() {
                for b in behaviours[i...] {
                    let sites = ["a=\(a.rawValue)\(a == .none ? "" : options)", "b=\(b.rawValue)\(b == .none ? "" : options)"]
                    let cell = try await LabFixture.with(name: name, sites, loss: loss, delay: delay) { state in
                        try await PunchPair.run(state, ["--timeout", "25"])
                    }
                    let expected = expectsDirect(a, b) ? "direct" : "relayed"
                    rows.append(cell.row(a: a.rawValue, b: b.rawValue, expected: expected))
                    if !cell.succeeded || cell.kind != expected { failures.append("\(a.rawValue) x \(b.rawValue): \(cell.summary)") }
                }
            }
            print("punch grid\(options), \(loss)% loss, \(delay) ms delay:\n" + PunchPair.header + "\n" + rows.joined(separator: "\n"))
            #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        }

        /// A host whose network drops UDP reaches the server over TCP: rendezvous and its relay
        /// allocation go over TCP, and it connects relayed to every behaviour, itself included.
        @Test func udpBlockedConnectsRelayedOverTCPToEveryBehaviour() async throws {
            var rows: [String] = []
            var failures: [String] = []
            for b in Self.behaviours + [.udpBlocked] {
                let cell = try await LabFixture.with(name: "tpblk", ["a=udp-blocked", "b=\(b.rawValue)"]) { state in
                    try await PunchPair.run(state, ["--timeout", "25"])
                }
                rows.append(cell.row(a: "udp-blocked", b: b.rawValue, expected: "relayed"))
                let transports = cell.reports.map { $0["server_transport"] as? String ?? "?" }
                let expectedTransports = b == .udpBlocked ? ["tcp", "tcp"] : ["tcp", "udp"]
                if !cell.succeeded || cell.kind != "relayed" || transports != expectedTransports || cell.strategy != "relay" {
                    failures.append("udp-blocked x \(b.rawValue): \(cell.summary), server transports \(transports)")
                }
            }
            print("punch with UDP blocked on site a:\n" + PunchPair.header + "\n" + rows.joined(separator: "\n"))
            #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        }

        /// Nobody else uses the code: a clean NO_PEER within --timeout, exit 2.
        @Test func peerThatNeverComesGivesNoPeer() async throws {
            try await LabFixture.with(name: "tpnopeer", ["a=eim-apdf"]) { state in
                let output = try LabFixture.natctl(state, site: "a", ["punch", "--code", "77-lonely-code-here", "--timeout", "2", "--json"])
                #expect(output.status == 2)
                let report = try LabFixture.json(output.stdout)
                #expect(report["outcome"] as? String == "NO_PEER")
                #expect(((report["error"] as? [String: Any])?["message"] as? String)?.contains("77") == true)
            }
        }

        /// Same nameplate, different words: both sides learn it at pairing time, without a single check.
        @Test func wrongCodeIsReportedAtPairing() async throws {
            try await LabFixture.with(name: "tpwrong", ["a=eim-apdf", "b=eim-apdf"]) { state in
                let (a, b) = try await PunchPair.outputs(state, a: ["--code", "55-right-words-here"], b: ["--code", "55-wrong-words-here"], common: ["--timeout", "10"])
                for output in [a, b] {
                    #expect(output.status == 2)
                    let report = try LabFixture.json(output.stdout)
                    #expect(report["outcome"] as? String == "WRONG_CODE")
                    #expect((report["packets"] as? [String: Any])?["checks_sent"] as? Int == 0)
                }
            }
        }

        /// Two random symmetric NATs and a server that offers no relay: a quick, clear FAILED.
        @Test func noRelayAndNoDirectPathFailsClearly() async throws {
            try await LabFixture.with(name: "tpnorel", ["a=apdm-apdf", "b=apdm-apdf"]) { state in
                // A second server on the lab internet, without TURN: rendezvous only.
                let server = try LabProcess(
                    namespace: state.publicNamespace,
                    [LabFixture.natctl, "relay", "serve", "--listen", "203.0.113.1:3490", "--alternate", "203.0.113.2:3491"])
                defer { server.terminate() }
                _ = try server.readStdout(until: "listening")
                let cell = try await PunchPair.run(state, ["--server", "203.0.113.1:3490", "--timeout", "15"])
                // FAILED once the direct share is spent, not TIMEOUT at --timeout.
                #expect(cell.outcomes == ["FAILED", "FAILED"], "\(cell.summary)")
                #expect(cell.statuses == [2, 2])
                #expect(cell.errors.allSatisfy { $0.contains("no direct path is possible") && $0.contains("offers no relay") }, "\(cell.errors)")
            }
        }

        /// With IPv6 (firewalled, not NATed, as home routers do) two hosts whose IPv4 NATs are both
        /// random-symmetric connect directly over their IPv6 host addresses instead of the relay.
        @Test func ipv6HostPairsConnectWhereIPv4NeedsTheRelay() async throws {
            try await LabFixture.with(name: "tpv6", ["a=apdm-apdf", "b=apdm-apdf"], ipv6: true) { state in
                let cell = try await PunchPair.run(state, ["--timeout", "20"])
                #expect(cell.succeeded, "\(cell.summary)")
                #expect(cell.reports.allSatisfy { $0["path"] as? String == "direct-host" && ($0["remote"] as? String)?.hasPrefix("[2001:db8:") == true })
                #expect(cell.strategy == "relay", "IPv4 alone would have needed the relay")
            }
        }

        /// `--stdio`: after punching through two NATs, a line typed on one host comes out on the other.
        @Test func stdioCarriesBytesOverThePunchedPath() async throws {
            try await LabFixture.with(name: "tpstdio", ["a=eim-apdf", "b=apdm-apdf-seq"]) { state in
                let code = "\(Int.random(in: 1000...9999))-stdio-test-words"
                let listener = try LabProcess(state, site: "a", ["punch", "--code", code, "--stdio", "--timeout", "20"])
                defer { listener.stop() }
                let talker = try LabProcess(state, site: "b", ["punch", "--code", code, "--stdio", "--timeout", "20"])
                defer { talker.stop() }
                talker.write("hello through the punched hole\n")
                _ = try listener.readStdout(until: "hello through the punched hole")  // throws if it never comes
                listener.write("and back\n")
                _ = try talker.readStdout(until: "and back")
            }
        }

        /// Both NATs forget idle mappings after 2 s, and one allocates ports in sequence (so a
        /// forgotten mapping comes back on another port). Keepalives every second hold the path
        /// for 5 s; without them the same path is dead after the hold.
        @Test func keepalivesHoldThePathAcrossMappingExpiry() async throws {
            let sites = ["a=eim-apdf,udp-timeout=2", "b=apdm-apdf-seq,udp-timeout=2"]
            try await LabFixture.with(name: "tpkeep", sites) { state in
                let kept = try await PunchPair.run(state, ["--timeout", "20", "--duration", "5", "--keepalive", "1"])
                #expect(kept.outcomes == ["SUCCESS", "SUCCESS"], "\(kept.summary)")
                #expect(kept.kind == "direct")
                #expect(kept.reports.allSatisfy { (($0["proof_after_hold"] as? [String: Any])?["verified"] as? Bool) == true })
                #expect(kept.reports.allSatisfy { ($0["keepalives_sent"] as? Int ?? 0) > 0 })

                let idle = try await PunchPair.run(state, ["--timeout", "20", "--duration", "5", "--keepalive", "0"])
                #expect(idle.outcomes == ["FAILED", "FAILED"], "without keepalives the mapping expires: \(idle.summary)")
                #expect(idle.errors.allSatisfy { $0.contains("stopped working while held open") })
            }
        }
    }
}
