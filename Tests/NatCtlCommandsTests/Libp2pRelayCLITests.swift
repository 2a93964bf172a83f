import Foundation
import Testing

/// `relay serve --libp2p-listen` and `classify --autonat` as users meet them on loopback: the
/// identity file keeps the peer ID, a taken port and a bad identity file are clear failures,
/// bad flags are usage errors, and natctl answers its own AutoNAT request with a real dial-back.
@Suite(.serialized) struct Libp2pRelayCLITests {
    /// Starts `relay serve` with a libp2p host; returns it and its listening event.
    static func serve(_ extra: [String]) throws -> (BackgroundProcess, [String: Any]) {
        let server = try BackgroundProcess(
            Subprocess.natctl, ["relay", "serve", "--listen", "127.0.0.1:0", "--no-tcp", "--json", "--libp2p-listen", "127.0.0.1:0"] + extra)
        return (server, try ProbeCLITests.json(try server.waitForLine(containing: "listening")))
    }

    @Test func theIdentityFileKeepsThePeerIDAcrossRuns() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("natctl-identity-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        var peers: [String] = []
        for _ in 0..<2 {
            let (server, listening) = try Self.serve(["--libp2p-identity", file])
            let address = try #require(listening["libp2p"] as? String, "\(listening)")
            peers.append(address.components(separatedBy: "/p2p/").last ?? "")
            let (status, rest) = server.stop()
            #expect(status == 0 && rest.contains("\"stopped\""), "\(rest)")
        }
        #expect(peers[0] == peers[1] && peers[0].hasPrefix("12D3KooW"), "\(peers)")
        let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
        #expect(mode == 0o600, "the private key is readable by its owner only")
        #expect(try Data(contentsOf: URL(fileURLWithPath: file)).count == 68, "type, length and 64 bytes of key")
    }

    @Test func aBadIdentityFileAndATakenPortAreClearFailures() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("natctl-identity-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try Data("not a key".utf8).write(to: URL(fileURLWithPath: file))
        let bad = try Subprocess.document(["relay", "serve", "--listen", "127.0.0.1:0", "--libp2p-listen", "127.0.0.1:0", "--libp2p-identity", file, "--json"])
        #expect(bad.status == 2 && bad.code == "bad-file", "\(bad.document)")
        #expect(bad.stderr.contains(file) && bad.stderr.contains("not a libp2p Ed25519 private key"), "\(bad.stderr)")

        let (server, listening) = try Self.serve([])
        defer { _ = server.stop() }
        let taken = try #require((listening["libp2p"] as? String)?.components(separatedBy: "/tcp/").last?.components(separatedBy: "/").first)
        let busy = try Subprocess.document(["relay", "serve", "--listen", "127.0.0.1:0", "--libp2p-listen", "127.0.0.1:\(taken)", "--json"])
        #expect(busy.status == 2 && busy.code == "port-in-use", "\(busy.document)")
    }

    @Test func badLibp2pFlagsAreUsageErrors() throws {
        let cases: [[String]] = [
            ["relay", "serve", "--libp2p-listen", "nowhere"],
            ["relay", "serve", "--libp2p-listen", "4001", "--circuit-bytes", "0"],
            ["relay", "serve", "--libp2p-listen", "4001", "--circuit-bytes", "100000000"],
            ["classify", "--autonat", "/ip4/127.0.0.1/udp/4001"],
            ["classify", "--autonat", "/ip4/127.0.0.1/tcp/4001", "--autonat-listen", "4100"],
            ["classify", "--autonat", "/ip4/127.0.0.1/tcp/4001", "--autonat-threshold", "0"],
        ]
        for arguments in cases {
            let run = try Subprocess.document(arguments + ["--json"])
            #expect(run.status == 64 && run.code == "usage", "\(arguments): \(run.document)")
        }
    }

    /// natctl's AutoNAT server dials natctl's listener back over a new connection; a node that
    /// is down is an error for that node, not for the run, and one public answer of two is not
    /// enough for the default agreement rule.
    @Test func classifyAutonatAgainstNatctlsOwnServer() throws {
        let (server, listening) = try Self.serve([])
        defer { _ = server.stop() }
        let node = try #require(listening["libp2p"] as? String)
        let stun = try #require((listening["addresses"] as? [String])?.first)
        let down = "/ip4/127.0.0.1/tcp/\(try freeTCPPort())"
        let run = try Subprocess.document([
            "classify", "--server", stun, "--no-hairpin", "--port-samples", "0", "--autonat-listen", "127.0.0.1:0", "--autonat", node,
            "--autonat", down, "--json",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let autonat = try #require(run.document["autonat"] as? [String: Any], "\(run.document)")
        let nodes = autonat["nodes"] as? [[String: Any]] ?? []
        #expect(nodes.first?["reachability"] as? String == "public" && nodes.first?["dial_back_arrived"] as? Bool == true, "\(nodes)")
        #expect(nodes.first?["version"] as? String == "v2" && nodes.first?["dial_status"] as? String == "OK", "\(nodes)")
        #expect(nodes.last?["error_code"] as? String == "connect-failed" && nodes.last?["reachability"] as? String == "unknown", "\(nodes)")
        #expect(autonat["overall"] as? String == "unknown" && autonat["threshold"] as? Int == 4, "\(autonat)")
        #expect((autonat["evidence"] as? [String])?.first?.contains("needs 4 agreeing nodes") == true, "\(autonat)")
    }
}
