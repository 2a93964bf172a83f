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
                    #expect(observed.hasPrefix("/ip4/\(try site.publicAddress)/tcp/"), "\(label): observed \(observed)")
                    #expect((result["protocols"] as? [String])?.contains("/ipfs/id/1.0.0") == true, "\(label): \(result)")
                    #expect(result["rtt_ms"] is Double && result["agent_version"] is String, "\(label): \(result)")
                }
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

    /// Starts the node on `ip`:4001 (added to `device` first) and waits for its multiaddr.
    init(namespace: String, ip: String, addingAddressTo device: String) throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.python), "no py-libp2p venv at \(Self.python): run scripts/deps.sh")
        let add = try LabFixture.run(namespace: namespace, ["ip", "addr", "add", "\(ip)/24", "dev", device])
        try #require(add.status == 0 || add.status == 2, "ip addr add \(ip): status \(add.status)")
        let script = LabFixture.packageRoot.appendingPathComponent("scripts/libp2p-node.py").path
        process = try LabProcess(namespace: namespace, [Self.python, script, ip, "4001"], captureStderr: false)
        let line = try process.readStdout(until: "\n")
        multiaddr = line.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    var peerID: String { multiaddr.components(separatedBy: "/p2p/").last ?? "" }

    /// SIGTERM: the node runs until signalled.
    func stop() { process.terminate() }
}
