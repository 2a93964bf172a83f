import Foundation
import NATLab
import Testing

/// `natctl trace` in real labs: each explanation from a real capture of a real failure.
extension LabTests {
    @Suite struct TraceLabTests {
        /// `natctl trace --json ARGS` on a site's host; the report's findings by kind.
        struct Traced {
            var status: Int32
            var report: [String: Any]
            var findings: [[String: Any]] { report["findings"] as? [[String: Any]] ?? [] }

            func first(_ kind: String) -> [String: Any]? { findings.first { $0["kind"] as? String == kind } }
            func sentence(_ kind: String) -> String { first(kind)?["sentence"] as? String ?? "" }
            var kinds: [String] { findings.compactMap { $0["kind"] as? String } }
            /// Sentences of the findings that are problems.
            var problems: [String] { findings.filter { $0["severity"] as? String == "problem" }.compactMap { $0["sentence"] as? String } }
        }

        /// `natctl trace --json --lab LAB punch` on site a while site b punches with the same
        /// `arguments`; the traced side's report.
        static func tracedPunch(_ lab: LabState, _ arguments: [String]) async throws -> Traced {
            let traced = try LabProcess(lab, site: "a", ["trace", "--json", "--lab", lab.name, "punch"] + arguments, captureStderr: false)
            let peer = try LabProcess(lab, site: "b", ["punch", "--json"] + arguments, captureStderr: false)
            async let tracedOutput = traced.finish()
            async let peerOutput = peer.finish()
            let (output, _) = await (tracedOutput, peerOutput)
            return Traced(status: output.status, report: try LabFixture.json(output.stdout))
        }

        static func trace(_ state: LabState, site: String, _ arguments: [String]) throws -> Traced {
            let output = try LabFixture.natctl(state, site: site, ["trace", "--json"] + arguments)
            return Traced(status: output.status, report: try LabFixture.json(output.stdout))
        }

        static func shell(_ namespace: String, _ command: String) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["ip", "netns", "exec", namespace, "sh", "-c", command]
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "\(command)")
        }

        static func temporary(_ name: String) -> String {
            FileManager.default.temporaryDirectory.appendingPathComponent("natctl-trace-\(getpid())-\(name)").path
        }

        @Test func udpBlockedRequestsLeftAndNothingCameBack() async throws {
            try await LabFixture.with(name: "trblk", ["a=udp-blocked"]) { lab in
                let pcapng = Self.temporary("blocked.pcapng")
                let pcap = Self.temporary("blocked.pcap")
                defer { for file in [pcapng, pcap] { try? FileManager.default.removeItem(atPath: file) } }
                let traced = try Self.trace(lab, site: "a", ["--write", pcapng, "probe", "--timeout", "1.5"])
                #expect(traced.status == 2, "probe finds no server, and trace keeps its exit status")
                #expect(traced.sentence("no_reply").contains("nothing came back"), "\(traced.kinds)")
                let silent = Set(traced.findings.filter { $0["kind"] as? String == "no_reply" }.compactMap { $0["remote"] as? String })
                #expect(silent == Set(lab.servers), "one finding per server probe asked (NATCTL_SERVERS names both)")
                #expect(!traced.kinds.contains("answered"))
                // natctl's own pcapng and pcap read back to the same explanation.
                let reread = try Self.trace(lab, site: "a", ["--read", pcapng])
                #expect(reread.kinds == traced.kinds)
                let converted = try Self.trace(lab, site: "a", ["--read", pcapng, "--write", pcap])
                #expect(converted.status == 0)
                let fromPcap = try Self.trace(lab, site: "a", ["--read", pcap, "--local", lab.sites[0].hostAddress])
                #expect(fromPcap.kinds == traced.kinds)
            }
        }

        @Test func localInputDropMeansRepliesArrivedButWereDropped() async throws {
            try await LabFixture.with(name: "trdrop", ["a=eim-apdf"]) { lab in
                let host = try lab.site("a").hostNamespace
                try Self.shell(host, "nft add table inet natctl_trace_test && nft add chain inet natctl_trace_test input '{ type filter hook input priority 0; }' && nft add rule inet natctl_trace_test input udp sport 3478 drop")
                let traced = try Self.trace(lab, site: "a", ["probe", "--server", lab.servers[0], "--timeout", "1.5"])
                #expect(traced.status == 2)
                #expect(traced.sentence("dropped_locally").contains("never reached its socket"), "\(traced.kinds)")
                #expect(!traced.kinds.contains("no_reply"))
            }
        }

        @Test func icmpRejectingFirewallIsNamed() async throws {
            try await LabFixture.with(name: "trrej", ["a=eim-apdf"]) { lab in
                let site = try lab.site("a")
                try Self.shell(site.routerNamespace, "nft add table inet natctl_trace_test && nft add chain inet natctl_trace_test forward '{ type filter hook forward priority -10; }' && nft add rule inet natctl_trace_test forward udp dport 3478 reject with icmpx type admin-prohibited")
                let traced = try Self.trace(lab, site: "a", ["probe", "--server", lab.servers[0], "--timeout", "1.5"])
                let rejected = try #require(traced.first("icmp_error"), "\(traced.kinds)")
                let router = site.hostAddress.split(separator: ".").dropLast().joined(separator: ".") + ".1"
                #expect(rejected["by"] as? String == router)
                #expect((rejected["sentence"] as? String ?? "").contains("administratively prohibited"))
                #expect(!traced.kinds.contains("no_reply"))
            }
        }

        @Test func smallerMTUUpstreamIsAPathMTUFindingNamingTheRouter() async throws {
            try await LabFixture.with(name: "trmtu", ["a=eim-apdf"]) { lab in
                let site = try lab.site("a")
                try Self.shell(site.routerNamespace, "ip link set wan mtu 1280")
                let traced = try Self.trace(lab, site: "a", ["relay", "test", "--size", "1400", "--count", "10", "--pings", "2"])
                let mtu = try #require(traced.first("path_mtu"), "\(traced.kinds)")
                let router = site.hostAddress.split(separator: ".").dropLast().joined(separator: ".") + ".1"
                #expect(mtu["by"] as? String == router)
                #expect((mtu["sentence"] as? String ?? "").contains("next-hop MTU 1280"))
                #expect(traced.kinds.contains("fragmented"), "after the ICMP the kernel fragments to the learned MTU")
            }
        }

        @Test func labCaptureShowsThePortTranslationAcrossTheNAT() async throws {
            try await LabFixture.with(name: "trnat", ["a=apdm-apdf"]) { lab in
                let traced = try Self.trace(lab, site: "a", ["--lab", "trnat", "probe", "--timeout", "2"])
                #expect(traced.status == 0)
                let rewrite = try #require(traced.first("port_rewritten"), "\(traced.kinds)")
                let router = try lab.site("a").routerNamespace
                #expect((rewrite["sentence"] as? String ?? "").contains("seen on \(router)/"))
                #expect((rewrite["local"] as? String ?? "").hasPrefix(lab.sites[0].hostAddress + ":"))
                #expect((rewrite["remote"] as? String ?? "").hasPrefix(lab.sites[0].publicAddress + ":"))
                #expect(traced.kinds.contains("mapping_per_destination"), "a symmetric NAT maps per destination")
                let interfaces = traced.report["interfaces"] as? [[String: Any]] ?? []
                #expect(interfaces.filter { $0["local"] as? Bool == true }.count == 1)
                #expect(interfaces.count >= 4, "the host plus the lab's routers and internet")
            }
        }

        @Test func failingPunchBetweenSymmetricNATsShowsChecksDroppedAtTheNAT() async throws {
            try await LabFixture.with(name: "trpunch", ["a=apdm-apdf", "b=apdm-apdf"]) { lab in
                let code = ["--code", "\(Int.random(in: 1000...9999))-trace-lab-words", "--no-relay", "--timeout", "6"]
                let report = try await Self.tracedPunch(lab, code)
                #expect(report.status == 2, "the punch fails without a relay")
                let dropped = try #require(report.first("punch_inbound_dropped"), "\(report.kinds)")
                #expect(dropped["by"] as? String == "\(try lab.site("a").routerNamespace)/wan", "\(dropped)")
                #expect(dropped["remote"] as? String == lab.sites[1].publicAddress)
                #expect(!report.kinds.contains("punch_inbound_arrived"))
            }
        }
    }
}
