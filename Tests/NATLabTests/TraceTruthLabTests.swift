import Foundation
import NATLab
import Testing

/// `natctl trace` of a successful classify behind a real filtering NAT: the operation's own
/// deliberate probes are information, not problems, and with `--lab` the filtering tests'
/// answers are followed to the router that dropped them, one timeline row per datagram.
extension LabTests {
    @Suite struct TraceTruthLabTests {
        typealias Traced = TraceLabTests.Traced

        @Test func classifyBehindAFilteringNATHasNoProblemsAndNamesTheRouterThatDroppedTheAnswers() async throws {
            try await LabFixture.with(name: "trtruth", ["a=eim-apdf"]) { lab in
                let site = try lab.site("a")
                // One server named: with the lab's two (its primary and alternate addresses),
                // classify runs the RFC 5780 tests against whichever names its alternate first,
                // and a second set of filtering tests when that is the later one.
                let server = ["--server", lab.servers[0]]
                // Host only: the hairpin test's ICMP port unreachable and the unanswered
                // filtering tests are the test's answers.
                let plain = try TraceLabTests.trace(lab, site: "a", ["classify", "--timeout", "8"] + server)
                #expect(plain.status == 0)
                #expect(plain.problems.isEmpty, "\(plain.problems)")
                let hairpin = try #require(plain.first("hairpin_test"), "\(plain.kinds)")
                #expect(hairpin["severity"] as? String == "info")
                #expect(
                    hairpin["remote"] as? String
                        == "\(site.publicAddress):\((hairpin["local"] as? String ?? "").split(separator: ":").last ?? "")"
                )
                #expect((hairpin["sentence"] as? String ?? "").contains("the NAT does not hairpin"))
                #expect(!plain.kinds.contains("icmp_error"))
                #expect(!plain.kinds.contains("no_reply"))
                let filtering = plain.findings.filter { $0["kind"] as? String == "filtering_test" }
                #expect(filtering.count == 2, "change IP and port, change port: \(plain.kinds)")
                #expect(filtering.allSatisfy { $0["severity"] as? String == "info" })

                // With the lab captured: the alternate server's answers reached the router's WAN.
                let traced = try TraceLabTests.trace(
                    lab, site: "a", ["--lab", "trtruth", "classify", "--timeout", "8"] + server)
                #expect(traced.status == 0)
                #expect(traced.problems.isEmpty, "\(traced.problems)")
                let dropped = traced.findings.filter { $0["kind"] as? String == "dropped_at_nat" }
                #expect(dropped.count == 2, "\(traced.kinds)")
                #expect(dropped.allSatisfy { $0["by"] as? String == "\(site.routerNamespace)/wan" }, "\(dropped)")
                #expect(
                    Set(dropped.compactMap { $0["remote"] as? String }) == ["203.0.113.2:3479", "203.0.113.1:3479"],
                    "\(dropped)")
                let changeBoth = try #require(dropped.first { $0["remote"] as? String == "203.0.113.2:3479" })
                #expect(
                    (changeBoth["sentence"] as? String ?? "").contains("the NAT in \(site.routerNamespace) dropped"))
                #expect(!traced.kinds.contains("filtering_test"), "the drop at the NAT explains those tests")

                // One row per datagram: every frame in exactly one row, never twice on one
                // interface, and a request crossing the NAT is one row with its hops.
                let rows = traced.report["timeline"] as? [[String: Any]] ?? []
                let hops = rows.map { $0["hops"] as? [[String: Any]] ?? [] }
                let frames = hops.flatMap { $0.compactMap { $0["frame"] as? Int } }
                #expect(frames.count == traced.report["packets"] as? Int)
                #expect(Set(frames).count == frames.count)
                #expect(rows.count < frames.count / 2, "datagrams are seen on several interfaces")
                #expect(
                    hops.allSatisfy { row in Set(row.compactMap { $0["interface"] as? String }).count == row.count })
                let request = try #require(
                    rows.firstIndex {
                        ($0["summary"] as? String ?? "").hasPrefix("STUN Binding request")
                            && $0["direction"] as? String == "out"
                    })
                let path = hops[request].compactMap { $0["interface"] as? String }
                #expect(
                    path.starts(with: ["eth0", "\(site.routerNamespace)/lan", "\(site.routerNamespace)/wan"]), "\(path)"
                )
                #expect(
                    (hops[request][2]["source"] as? String ?? "").hasPrefix(site.publicAddress + ":"),
                    "translated on the WAN")
                let background = rows.map { $0["background"] as? Bool ?? false }
                #expect(background == background.sorted { !$0 && $1 }, "background traffic comes last")
                #expect(traced.report["schema"] as? String == "natctl.trace/2")
                try Self.expectValid(traced.report)

                // The text leads with the findings, shows the evidence the JSON has (kind,
                // frames, endpoints, who), then one row per datagram with where else it was seen.
                let text = try LabFixture.natctl(
                    lab, site: "a", ["trace", "--lab", "trtruth", "--packets", "500", "classify", "--timeout", "8"]
                ).stdout
                let findings = try #require(text.range(of: "\nfindings:\n"), "\(text)")
                let firstRow = try #require(text.range(of: " ms  eth0 "), "\(text)")
                #expect(findings.lowerBound < firstRow.lowerBound, "findings first")
                #expect(text.contains("[info hairpin_test; frames "))
                #expect(text.contains("by \(site.routerNamespace)/wan]"))
                #expect(text.contains("also seen on \(site.routerNamespace)/lan #"))
                #expect(text.contains(" as \(site.publicAddress):"), "the translated address on the WAN")
                #expect(text.contains("interfaces:\n  eth0: "))
                #expect(text.contains("operation: natctl classify --timeout 8 exited 0"))
                #expect(!text.contains("✗"), "no problems")
            }
        }

        /// Negative control for the hairpin rule: a NAT that hairpins loops the request back.
        @Test func hairpinningNATIsSaidToHairpin() async throws {
            try await LabFixture.with(name: "trhair", ["a=eim-apdf,hairpin"]) { lab in
                let traced = try TraceLabTests.trace(lab, site: "a", ["classify", "--timeout", "8"])
                #expect(traced.status == 0)
                let hairpin = try #require(traced.first("hairpin_test"), "\(traced.kinds)")
                #expect((hairpin["sentence"] as? String ?? "").contains("the NAT hairpins"), "\(hairpin)")
                #expect(traced.problems.isEmpty, "\(traced.problems)")
            }
        }

        /// A punch between two sites behind filtering NATs: the checks to the peer's private
        /// host candidate get ICMP network unreachable from the lab internet, which is expected.
        @Test func punchChecksToThePeersPrivateCandidateAreNotAProblem() async throws {
            try await LabFixture.with(name: "trcand", ["a=eim-apdf", "b=eim-apdf"]) { lab in
                let code = ["--code", "\(Int.random(in: 1000...9999))-trace-private-candidate", "--timeout", "8"]
                let report = try await TraceLabTests.tracedPunch(lab, code)
                #expect(report.status == 0, "two port-preserving EIM NATs punch through")
                #expect(report.problems.isEmpty, "\(report.problems)")
                let unreachable = try #require(report.first("punch_candidate_unreachable"), "\(report.kinds)")
                #expect(unreachable["severity"] as? String == "info")
                #expect(
                    (unreachable["remote"] as? String ?? "").hasPrefix(lab.sites[1].hostAddress + ":"),
                    "the peer's host candidate")
                #expect(!report.kinds.contains("icmp_error"))
                #expect(
                    !report.kinds.contains("dropped_at_nat"),
                    "the peer's NAT dropping its own traffic is not this host's: \(report.kinds)")
                #expect(report.kinds.contains("punch_inbound_arrived"))
                try Self.expectValid(report.report)
            }
        }

        /// Validates a report against docs/schema/natctl.trace.2.json with python3-jsonschema.
        static func expectValid(_ report: [String: Any]) throws {
            let file = TraceLabTests.temporary("report.json")
            defer { try? FileManager.default.removeItem(atPath: file) }
            try JSONSerialization.data(withJSONObject: report).write(to: URL(fileURLWithPath: file))
            let schema = LabFixture.packageRoot.appendingPathComponent("docs/schema/natctl.trace.2.json").path
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [
                "python3", "-c",
                "import json, sys, jsonschema; jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))",
                file, schema,
            ]
            let errors = Pipe()
            process.standardError = errors
            try process.run()
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "not valid against natctl.trace.2.json: \(message.suffix(1500))")
        }
    }
}
