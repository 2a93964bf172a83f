import Foundation
import NATLab
import Testing

extension LabTests {
    /// `probe --libp2p` against a py-libp2p 0.8.1 node on the lab internet, from behind each
    /// kind of NAT: the node identifies itself and says where it sees the host, which must be
    /// the site's public address (for TCP: its NAT's TCP mapping), even where UDP is blocked.
    @Suite struct Libp2pLabTests {
        @Test(arguments: [["a=eim-apdf", "b=apdm-apdf"], ["a=apdm-apdf-seq", "b=udp-blocked"]])
        func probeLearnsTheObservedAddressBehindEachNAT(sites: [String]) async throws {
            try await LabFixture.with(name: "tp2p", sites) { state in
                let node = try Libp2pNode(namespace: state.publicNamespace, ip: "203.0.113.40", addingAddressTo: "br0")
                defer { node.stop() }
                for site in state.sites {
                    let output = try LabFixture.natctl(state, site: site.name, ["probe", "--libp2p", node.multiaddr, "--portmap", "off", "--json"])
                    let label = site.behaviour.rawValue
                    #expect(output.status == 0, "\(label): \(output.stdout)")
                    let report = try LabFixture.json(output.stdout)
                    #expect(try LabFixture.schemaProblem(output.stdout) == nil)
                    let result = try #require((report["libp2p"] as? [[String: Any]])?.first, "\(label)")
                    #expect(result["reachable"] as? Bool == true, "\(label): \(result)")
                    #expect(result["peer_id"] as? String == node.peerID)
                    #expect(result["identity_verified"] as? Bool == true)
                    let observed = result["observed"] as? String ?? ""
                    #expect(observed.hasPrefix("/ip4/\(site.publicAddress)/tcp/"), "\(label): observed \(observed)")
                    #expect((result["protocols"] as? [String])?.contains("/ipfs/id/1.0.0") == true, "\(label): \(result)")
                    #expect(result["rtt_ms"] is Double && result["agent_version"] is String, "\(label): \(result)")
                }
            }
        }

        /// `trace` of `probe --libp2p` from behind a NAT: the connection to the node read up to
        /// its Noise handshake; a dial to a closed port of the node's host and one into the other
        /// site's NAT, both answered with RST (`by` names who refused); and a dial to an address
        /// where nothing answers at all, whose SYNs get nothing back.
        @Test func traceReadsTheLibp2pStartAndExplainsFailedDials() async throws {
            try await LabFixture.with(name: "tp2pt", ["a=eim-apdf", "b=apdm-apdf"]) { state in
                let node = try Libp2pNode(namespace: state.publicNamespace, ip: "203.0.113.40", addingAddressTo: "br0")
                defer { node.stop() }
                let peerRouter = try state.site("b").publicAddress
                let dials = ["/ip4/203.0.113.40/tcp/4002", "/ip4/\(peerRouter)/tcp/4001", "/ip4/203.0.113.99/tcp/4001"]
                let traced = try LabTests.TraceLabTests.trace(
                    state, site: "a", ["probe", "--portmap", "off", "--timeout", "2", "--libp2p", node.multiaddr] + dials.flatMap { ["--libp2p", $0] })
                #expect(traced.status == 0, "the node answered")
                #expect(traced.sentence("libp2p_connection").contains("completed the Noise XX handshake"), "\(traced.kinds)")
                func finding(_ kind: String, remote: String) -> [String: Any]? {
                    traced.findings.first { $0["kind"] as? String == kind && $0["remote"] as? String == remote }
                }
                #expect(finding("tcp_refused", remote: "203.0.113.40:4002")?["by"] as? String == "203.0.113.40", "\(traced.kinds)")
                #expect(finding("tcp_refused", remote: "\(peerRouter):4001")?["by"] as? String == peerRouter, "the peer's NAT answers RST")
                let silent = try #require(finding("tcp_no_answer", remote: "203.0.113.99:4001"), "\(traced.kinds)")
                #expect((silent["sentence"] as? String)?.contains("got no answer") == true)
                let summaries = (traced.report["timeline"] as? [[String: Any]] ?? []).compactMap { $0["summary"] as? String }
                #expect(summaries.contains { $0.contains("multistream-select /multistream/1.0.0, /noise") }, "\(summaries.prefix(20))")
                #expect(summaries.contains { $0.contains("Noise handshake message 2 of 3") })
            }
        }
    }
}

/// A py-libp2p node (scripts/libp2p-node.py in the venv scripts/deps.sh installs) running in
/// a lab namespace until `stop`.
struct Libp2pNode {
    let process: LabProcess
    let multiaddr: String

    static var python: String {
        let venv = ProcessInfo.processInfo.environment["NATCTL_LIBP2P_VENV"]
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/natctl/libp2p-venv").path
        return "\(venv)/bin/python"
    }

    static var scripts: URL { LabFixture.packageRoot.appendingPathComponent("scripts") }

    /// Starts the node on `ip`:4001 (added to `device` first) and waits for its multiaddr;
    /// `options` go to scripts/libp2p-node.py (`--autonat`).
    init(namespace: String, ip: String, addingAddressTo device: String, options: [String] = []) throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.python), "no py-libp2p venv at \(Self.python): run scripts/deps.sh")
        let add = try LabFixture.run(namespace: namespace, ["ip", "addr", "add", "\(ip)/24", "dev", device])
        try #require(add.status == 0 || add.status == 2, "ip addr add \(ip): status \(add.status)")
        let script = Self.scripts.appendingPathComponent("libp2p-node.py").path
        process = try LabProcess(namespace: namespace, [Self.python, script, ip, "4001"] + options, captureStderr: false)
        let line = try process.readStdout(until: "\n")
        multiaddr = line.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    var peerID: String { multiaddr.components(separatedBy: "/p2p/").last ?? "" }

    /// SIGTERM: the node runs until signalled.
    func stop() { process.terminate() }
}
