import Foundation
import NATLab
import Testing

/// `natctl trace --read` on captures other tools made in real labs: tcpdump, and a WireGuard
/// handshake between two real wireguard-go peers; and a punch whose peer never sends checks.
extension LabTests {
    @Suite struct TraceReadLabTests {
        typealias Trace = TraceLabTests

        @Test func readsTcpdumpsCookedCapture() async throws {
            try await LabFixture.with(name: "trtcpd", ["a=apdm-apdf"]) { lab in
                let file = Trace.temporary("tcpdump.pcap")
                defer { try? FileManager.default.removeItem(atPath: file) }
                // -i any gives Linux cooked frames; -U writes each packet at once; -Z root keeps the file ours.
                let tcpdump = try LabProcess(namespace: try lab.site("a").hostNamespace, ["tcpdump", "-i", "any", "-U", "-Z", "root", "-w", file, "udp"])
                _ = try tcpdump.readStderr(until: "listening on")
                let probe = try LabFixture.natctl(lab, site: "a", ["probe", "--timeout", "2"])
                tcpdump.terminate()
                #expect(probe.status == 0)
                let traced = try Trace.trace(lab, site: "a", ["--read", file])
                #expect(traced.status == 0)
                let answered = Set(traced.findings.filter { $0["kind"] as? String == "answered" }.compactMap { $0["remote"] as? String })
                #expect(answered.isSuperset(of: lab.servers), "\(traced.kinds)")
                #expect(traced.kinds.contains("mapping_per_destination"))
                let interfaces = traced.report["interfaces"] as? [[String: Any]] ?? []
                #expect(interfaces.first?["link_type"] as? String == "Linux cooked v2", "tcpdump 4.99 writes -i any as LINUX_SLL2")
                #expect(traced.report["local_addresses"] as? [String] == [lab.sites[0].hostAddress], "inferred: the address that sent the requests")
            }
        }

        /// Runs scripts/lab-wireguard-capture.sh (two wireguard-go peers; a initiates toward b).
        static func wireGuardCapture(_ lab: LabState, reachable: Bool) throws -> String {
            let file = Trace.temporary(reachable ? "wg-ok.pcap" : "wg-lost.pcap")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["NATCTL=\(LabFixture.natctl)", "bash", LabFixture.packageRoot.appendingPathComponent("scripts/lab-wireguard-capture.sh").path]
                + (reachable ? ["--reachable"] : []) + [lab.name, file]
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "lab-wireguard-capture.sh failed")
            return file
        }

        @Test func wireGuardInitiationsThatNeverGotAResponse() async throws {
            try await LabFixture.with(name: "trwg", ["a=eim-apdf", "b=eim-apdf"]) { lab in
                let file = try Self.wireGuardCapture(lab, reachable: false)
                defer { try? FileManager.default.removeItem(atPath: file) }
                let traced = try Trace.trace(lab, site: "a", ["--read", file])
                let lost = try #require(traced.first("wireguard_no_response"), "\(traced.kinds)")
                #expect(lost["remote"] as? String == "\(lab.sites[1].publicAddress):51820")
                #expect(lost["local"] as? String == "\(lab.sites[0].hostAddress):51820")
                #expect((lost["sentence"] as? String ?? "").contains("2 WireGuard handshake initiations") || (lost["sentence"] as? String ?? "").contains("3 WireGuard handshake initiations"))
                #expect(!traced.kinds.contains("wireguard_handshake"))
            }
        }

        @Test func wireGuardHandshakeThroughAForwardedPortCompletes() async throws {
            try await LabFixture.with(name: "trwgok", ["a=eim-apdf", "b=eim-apdf"], forward: ["b:51820"]) { lab in
                let file = try Self.wireGuardCapture(lab, reachable: true)
                defer { try? FileManager.default.removeItem(atPath: file) }
                let traced = try Trace.trace(lab, site: "a", ["--read", file])
                #expect(traced.kinds.contains("wireguard_handshake"), "\(traced.kinds)")
                #expect(!traced.kinds.contains("wireguard_no_response"))
            }
        }

        @Test func punchPeerThatNeverSendsChecks() async throws {
            try await LabFixture.with(name: "trnosend", ["a=eim-apdf", "b=eim-apdf"]) { lab in
                let code = ["--code", "\(Int.random(in: 1000...9999))-trace-quiet-peer", "--timeout", "8", "--proof", "2"]
                let traced = try LabProcess(lab, site: "a", ["trace", "--json", "punch"] + code, captureStderr: false)
                let peer = try LabProcess(lab, site: "b", ["punch", "--json", "--no-direct"] + code, captureStderr: false)
                async let tracedOutput = traced.finish()
                async let peerOutput = peer.finish()
                let (output, _) = await (tracedOutput, peerOutput)
                let report = TraceLabTests.Traced(status: output.status, report: try LabFixture.json(output.stdout))
                #expect(report.sentence("punch_inbound_never_sent").contains("not one check from the peer reached this host"), "\(report.kinds)")
                #expect(!report.kinds.contains("punch_inbound_arrived"))
            }
        }
    }
}
