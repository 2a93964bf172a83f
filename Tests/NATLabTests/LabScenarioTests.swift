import Foundation
import NATLab
import Testing

/// natctl against real kernel NATs. Each behaviour is first proven by `lab verify` (ground truth),
/// then `probe` runs behind it.
extension LabTests {
@Suite struct LabScenarioTests {
    @Test func verifyProvesEveryListedBehaviour() async throws {
        let behaviours = NATBehaviour.allCases.map(\.rawValue)
        for pair in stride(from: 0, to: behaviours.count, by: 2) {
            let sites = ["a=\(behaviours[pair])"] + (pair + 1 < behaviours.count ? ["b=\(behaviours[pair + 1])"] : [])
            try await LabFixture.with(name: "tverify", sites) { state in
                let report = try LabVerification.run(state, natctl: LabFixture.natctl)
                for site in report.sites {
                    #expect(site.passed, "\(site.behaviour): \(site.evidence.joined(separator: "; "))")
                }
            }
        }
    }

    @Test(arguments: ["eim-eif", "eim-adf", "eim-apdf", "apdm-apdf", "apdm-apdf-seq"])
    func probeBehindNATSeesTheRoutersPublicAddress(behaviour: String) async throws {
        try await LabFixture.with(name: "tprobe", ["a=\(behaviour)"]) { state in
            let ground = try LabVerification.run(state, natctl: LabFixture.natctl).sites[0]
            try #require(ground.passed, "the lab must behave as labelled before probe is judged")
            let output = try LabFixture.natctl(state, site: "a", ["probe", "--json"])
            #expect(output.status == 0)
            let report = try LabFixture.json(output.stdout)
            #expect(report["public_ipv4"] as? String == state.sites[0].publicAddress)
            #expect(report["no_nat"] as? Bool == false)
            let variesByIP = report["mapping_varies_by_dest_ip"] as? Bool
            #expect(variesByIP == (ground.observedMapping != "endpoint-independent"))
        }
    }

    @Test func sequentialNATHandsOutConsecutivePorts() async throws {
        try await LabFixture.with(name: "tseq", ["a=apdm-apdf-seq"]) { state in
            let output = try LabFixture.natctl(state, site: "a", ["probe", "--json"])
            let servers = try #require(try LabFixture.json(output.stdout)["servers"] as? [[String: Any]])
            let ports = servers.compactMap { ($0["mapped"] as? String)?.split(separator: ":").last.flatMap { Int($0) } }.sorted()
            #expect(ports.count == 4)
            #expect(ports == Array(ports[0]..<ports[0] + ports.count), "one new port per destination, in sequence: \(ports)")
            #expect(ports.allSatisfy { (50000..<51024).contains($0) })
        }
    }

    @Test func publicHostReportsNoNAT() async throws {
        try await LabFixture.with(name: "tnone", ["a=none"]) { state in
            let output = try LabFixture.natctl(state, site: "a", ["probe", "--json", "--require", "no-nat"])
            #expect(output.status == 0)
            let report = try LabFixture.json(output.stdout)
            #expect(report["no_nat"] as? Bool == true)
            #expect(report["public_ipv4"] as? String == state.sites[0].hostAddress)
        }
    }

    @Test func udpBlockedFailsTheUDPRequirement() async throws {
        try await LabFixture.with(name: "tblock", ["a=udp-blocked"]) { state in
            let output = try LabFixture.natctl(state, site: "a", ["probe", "--json", "--require", "udp", "--timeout", "1"])
            #expect(output.status == 1)
            #expect(try LabFixture.json(output.stdout)["udp"] as? Bool == false)
            // The same host over TCP: the lab's server listens there too, and says what it sees.
            let tcp = try LabFixture.natctl(state, site: "a", ["probe", "--json", "--transport", "tcp", "--require", "tcp", "--timeout", "2"])
            #expect(tcp.status == 0, "\(tcp.stdout)")
            let report = try LabFixture.json(tcp.stdout)
            #expect(report["udp"] as? Bool == false)
            let streams = try #require(report["streams"] as? [[String: Any]])
            #expect(streams.contains { $0["reachable"] as? Bool == true && ($0["mapped"] as? String)?.hasPrefix(state.sites[0].publicAddress + ":") == true }, "\(streams)")
            let text = try LabFixture.natctl(state, site: "a", ["probe", "--transport", "tcp", "--timeout", "2"])
            #expect(text.stdout.contains("UDP gets no answer, but TCP 3478 reaches"), "\(text.stdout)")
        }
    }

    @Test func tenPercentLossStillGetsAnAnswer() async throws {
        try await LabFixture.with(name: "tloss", ["a=eim-apdf"], loss: 10) { state in
            let output = try LabFixture.natctl(state, site: "a", ["probe", "--json", "--timeout", "5"])
            #expect(output.status == 0)
            #expect(try LabFixture.json(output.stdout)["udp"] as? Bool == true)
        }
    }

    @Test func downLeavesNothingBehind() async throws {
        let state = try LabBuilder.up(LabSpec(name: "tclean", sites: [.init(name: "a", behaviour: .eimAPDF)]), natctl: LabFixture.natctl)
        let pid = try #require(state.serverPID)
        #expect(LabBuilder.namespaces(prefix: "natctl-tclean-").count == 3)
        LabBuilder.down("tclean")
        #expect(LabBuilder.namespaces(prefix: "natctl-tclean-").isEmpty)
        #expect(kill(pid, 0) != 0, "the lab's server process is gone")
        #expect(throws: LabError.self) { try LabState.load("tclean") }
        #expect(!FileManager.default.fileExists(atPath: "/run/natctl/labs/tclean-server.log"))
    }

    @Test func upAfterACrashReplacesTheLeftovers() async throws {
        _ = try LabBuilder.up(LabSpec(name: "tcrash", sites: [.init(name: "a", behaviour: .eimAPDF)]), natctl: LabFixture.natctl)
        // Simulate a crash: the state file is lost, the namespaces stay.
        try? FileManager.default.removeItem(atPath: "/run/natctl/labs/tcrash.json")
        let again = try LabBuilder.up(LabSpec(name: "tcrash", sites: [.init(name: "a", behaviour: .eimEIF)]), natctl: LabFixture.natctl)
        #expect(again.sites[0].behaviour == .eimEIF)
        #expect(LabBuilder.namespaces(prefix: "natctl-tcrash-").count == 3)
        LabBuilder.down("tcrash")
        #expect(LabBuilder.namespaces(prefix: "natctl-tcrash-").isEmpty)
    }
}
}
