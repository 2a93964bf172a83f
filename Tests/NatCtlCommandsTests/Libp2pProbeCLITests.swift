import Foundation
import Testing

/// `probe --libp2p` on loopback against a py-libp2p 0.8.1 node (the venv scripts/deps.sh
/// installs): what it reports of a node, a node that is not the peer asked for, and no node.
@Suite(.serialized) struct Libp2pProbeCLITests {
    static var python: String {
        let venv = ProcessInfo.processInfo.environment["NATCTL_LIBP2P_VENV"]
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/natctl/libp2p-venv").path
        return "\(venv)/bin/python"
    }

    /// A node on 127.0.0.1 and its multiaddr; it exits when the returned process stops.
    static func startNode() throws -> (BackgroundProcess, String) {
        try #require(FileManager.default.isExecutableFile(atPath: python), "no py-libp2p venv at \(python): run scripts/deps.sh")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/libp2p-node.py").path
        let port = try freeTCPPort()
        let node = try BackgroundProcess(python, [script, "127.0.0.1", "\(port)"])
        let line = try node.waitForLine(containing: "/p2p/", limit: 30)
        return (node, line.trimmingCharacters(in: .whitespaces))
    }

    /// No STUN server answers (port 9), so the node is what was reached: exit 0.
    static func probe(_ multiaddr: String) throws -> (Subprocess.Output, [String: Any]) {
        let output = try Subprocess.natctl("probe", "--server", "127.0.0.1:9", "--timeout", "2", "--portmap", "off", "--libp2p", multiaddr, "--json")
        return (output, try ProbeCLITests.json(output.stdout))
    }

    @Test func probeIdentifiesANodeAndWhereItSeesUs() throws {
        let (node, multiaddr) = try Self.startNode()
        defer { _ = node.stop(signal: SIGKILL) }
        let (output, report) = try Self.probe(multiaddr)
        #expect(output.status == 0, "\(output.stderr)")
        let result = try #require((report["libp2p"] as? [[String: Any]])?.first)
        #expect(result["reachable"] as? Bool == true, "\(result)")
        #expect(result["peer_id"] as? String == multiaddr.components(separatedBy: "/p2p/").last)
        #expect(result["identity_verified"] as? Bool == true)
        #expect((result["observed"] as? String)?.hasPrefix("/ip4/127.0.0.1/tcp/") == true, "\(result)")
        let nodeAddress = multiaddr.components(separatedBy: "/p2p/").first ?? ""
        #expect((result["listen_addrs"] as? [String])?.contains { $0.hasPrefix(nodeAddress) } == true, "\(result)")
        #expect((result["protocols"] as? [String])?.contains("/ipfs/id/1.0.0") == true)
        #expect(result["error"] is NSNull)
        let text = try Subprocess.natctl("probe", "--server", "127.0.0.1:9", "--timeout", "2", "--portmap", "off", "--libp2p", multiaddr)
        #expect(text.stdout.contains("sees us as /ip4/127.0.0.1/tcp/"), "\(text.stdout)")
    }

    @Test func aNodeThatIsNotThePeerAskedForIsRefused() throws {
        let (node, multiaddr) = try Self.startNode()
        defer { _ = node.stop(signal: SIGKILL) }
        let other = (multiaddr.components(separatedBy: "/p2p/").first ?? "") + "/p2p/12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA"
        let (output, report) = try Self.probe(other)
        #expect(output.status == 2, "nothing was reached")
        let result = try #require((report["libp2p"] as? [[String: Any]])?.first)
        #expect(result["reachable"] as? Bool == false)
        #expect(result["error_code"] as? String == "wrong-peer", "\(result)")
        #expect((result["error"] as? String)?.contains("12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA") == true)
    }

    @Test func noNodeAndBadMultiaddrs() throws {
        let port = try freeTCPPort()
        let (output, report) = try Self.probe("/ip4/127.0.0.1/tcp/\(port)")
        #expect(output.status == 2)
        #expect((report["libp2p"] as? [[String: Any]])?.first?["error_code"] as? String == "connect-failed")
        for bad in ["/ip4/127.0.0.1/udp/4001/quic-v1", "ip4/1.2.3.4", "/dns4/example.com/udp/4001"] {
            let usage = try Subprocess.natctl("probe", "--libp2p", bad)
            #expect(usage.status == 64, "\(bad)")
            #expect(usage.stderr.contains("--libp2p"), "\(usage.stderr)")
        }
    }

    /// `/dns4` names are resolved when dialed: localhost reaches the node; a name that does not
    /// resolve is that node's error, not a usage error.
    @Test func dnsMultiaddrsAreResolved() throws {
        let (node, multiaddr) = try Self.startNode()
        defer { _ = node.stop(signal: SIGKILL) }
        let named = multiaddr.replacingOccurrences(of: "/ip4/127.0.0.1/", with: "/dns4/localhost/")
        let (output, report) = try Self.probe(named)
        #expect(output.status == 0, "\(output.stderr)")
        let result = try #require((report["libp2p"] as? [[String: Any]])?.first)
        #expect(result["reachable"] as? Bool == true && result["address"] as? String == named, "\(result)")
        let (missing, missingReport) = try Self.probe("/dns4/no-such-host.invalid/tcp/4001")
        #expect(missing.status == 2)
        #expect((missingReport["libp2p"] as? [[String: Any]])?.first?["error_code"] as? String == "name-not-resolved", "\(missingReport)")
    }
}
