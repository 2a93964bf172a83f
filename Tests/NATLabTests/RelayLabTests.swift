import Foundation
import NATLab
import Testing

extension LabTests {
    /// TURN through real kernel NATs: the case relays exist for.
    @Suite struct RelayLabTests {
        /// Both hosts sit behind symmetric NATs (no direct path can be punched); each allocates
        /// on the lab's relay and they talk relay to relay, both ways.
        @Test func twoHostsBehindSymmetricNATsTalkThroughTheRelay() async throws {
            try await LabFixture.with(name: "trelay", ["a=apdm-apdf", "b=apdm-apdf"]) { state in
                let server = try #require(state.servers.first?.split(separator: ":").first.map(String.init))
                let listener = try LabProcess(state, site: "a", ["relay", "connect", "--accept", server, "--linger", "0"])
                defer { listener.stop() }
                let relayedA = try listener.relayedAddress()
                let caller = try LabProcess(state, site: "b", ["relay", "connect", "--peer", relayedA, "--linger", "0"])
                defer { caller.stop() }
                let relayedB = try caller.relayedAddress()
                #expect(relayedA != relayedB)

                caller.write("hello from b\n")
                _ = try listener.readStdout(until: "hello from b")  // throws if it never comes
                listener.write("hello from a\n")
                _ = try caller.readStdout(until: "hello from a")

                let serverLog = try String(contentsOf: LabState.serverLog("trelay"), encoding: .utf8)
                let publicA = try state.site("a").publicAddress
                let publicB = try state.site("b").publicAddress
                #expect(serverLog.contains(#""client":"\#(publicA):"#) && serverLog.contains(#""client":"\#(publicB):"#),
                    "both allocations come from the NATs' public addresses")
            }
        }

        /// `relay test` from behind a symmetric NAT, with its built-in echo, needs no flags in the lab.
        @Test func relayTestWorksFromBehindASymmetricNAT() async throws {
            try await LabFixture.with(name: "trtest", ["a=apdm-apdf"]) { state in
                let output = try LabFixture.natctl(state, site: "a", ["relay", "test", "--json", "--count", "50", "--rate", "500"])
                #expect(output.status == 0, "\(output.stdout)")
                let report = try LabFixture.json(output.stdout)
                let allocation = try #require(report["allocation"] as? [String: Any])
                #expect((allocation["mapped_address"] as? String)?.hasPrefix(try state.site("a").publicAddress + ":") == true)
                let burst = try #require((report["echo"] as? [String: Any])?["burst"] as? [String: Any])
                #expect((burst["echoed"] as? Int ?? 0) > 0)
            }
        }
    }
}
