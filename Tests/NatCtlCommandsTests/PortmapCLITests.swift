import Foundation
import Testing

/// `natctl portmap` and probe's gateway flags, run as users run them, without ever asking this
/// machine's gateway: usage errors stop before any packet, 127.0.0.1's closed NAT-PMP/PCP port
/// answers with ICMP port unreachable at once, and a broadcast "gateway" cannot be connected
/// to. Never UPnP here: its discovery multicasts out of the real interface. (The lab tests
/// map for real, against miniupnpd.)
@Suite struct PortmapCLITests {
    private static func run(_ arguments: String...) throws -> Subprocess.DocumentRun {
        try Subprocess.document(arguments)
    }

    @Test func deleteWithPCPNeedsTheNonce() throws {
        let run = try Self.run("portmap", "delete", "--protocol", "pcp", "--port", "4000", "--json")
        #expect(run.status == 64)
        #expect(run.schema == "natctl.portmap/1" && run.code == "usage")
        #expect(Set(run.document.keys) == ["schema", "error"])
        #expect(run.stderr.contains("Error:") && run.stderr.contains("--nonce"), "\(run.stderr)")
    }

    @Test func listIsUPnPOnly() throws {
        let run = try Self.run("portmap", "list", "--protocol", "natpmp", "--json")
        #expect(run.status == 64)
        #expect(run.schema == "natctl.portmap/1" && run.code == "usage")
        #expect(run.stderr.contains("only UPnP can list mappings"), "\(run.stderr)")
    }

    @Test func probeRefusesAGatewayThatIsNotIPv4() throws {
        let run = try Self.run("probe", "--gateway", "nonsense", "--json")
        #expect(run.status == 64)
        #expect(run.schema == "natctl.probe/2" && run.code == "usage")
        #expect(run.stderr.contains("--gateway 'nonsense' must be an IPv4 address"), "\(run.stderr)")
    }

    @Test(arguments: ["natpmp", "pcp"])
    func aClosedGatewayPortIsNoAnswer(protocol name: String) throws {
        // A long timeout: only the ICMP port unreachable can end the wait with this message.
        let run = try Self.run(
            "portmap", "add", "--port", "4000", "--gateway", "127.0.0.1", "--protocol", name, "--timeout", "15", "--json")
        #expect(run.status == 2, "\(run.stderr)")
        #expect(run.stderr.contains("ICMP port unreachable"), "\(run.stderr)")
        #expect(run.schema == "natctl.portmap/1" && run.code == "no-answer")
        #expect(run.document["action"] as? String == "add")
        #expect(run.document["gateway"] as? String == "127.0.0.1")
        #expect(run.document["mapping"] is NSNull && run.document["protocol"] is NSNull)
        let attempts = try #require(run.document["attempts"] as? [[String: Any]])
        #expect(attempts.count == 1)
        #expect(attempts.first?["protocol"] as? String == name)
        #expect((attempts.first?["error"] as? [String: Any])?["code"] as? String == "no-answer")
        #expect(run.stderr.hasPrefix("natctl: could not map udp port 4000"), "\(run.stderr)")
    }

    @Test func aGatewayThatCannotBeReachedIsPortmapFailed() throws {
        // connect() to the broadcast address fails (EACCES) before anything is sent.
        let run = try Self.run(
            "portmap", "add", "--port", "4000", "--gateway", "255.255.255.255", "--protocol", "natpmp", "--timeout", "1",
            "--json")
        #expect(run.status == 2, "\(run.stderr)")
        #expect(run.schema == "natctl.portmap/1" && run.code == "portmap-failed")
        #expect(run.document["gateway"] is NSNull)
        #expect((run.document["attempts"] as? [Any])?.isEmpty == true)
    }

    @Test func requirePortmapWithoutAskingIsNotChecked() throws {
        // Subprocess sets NATCTL_PORTMAP=off; the flag says it again. A dead server keeps the run short.
        let port = try freeUDPPort()
        let run = try Self.run(
            "probe", "--portmap", "off", "--server", "127.0.0.1:\(port)", "--require", "portmap", "--timeout", "0.5", "--json")
        #expect(run.status == 2, "not checked is never 'no': \(run.stderr)")
        #expect(run.document["port_mapping"] is NSNull)
        let requirement = try #require((run.document["requirements"] as? [[String: Any]])?.first)
        #expect(requirement["condition"] as? String == "portmap")
        #expect(requirement["met"] is NSNull)
        #expect((requirement["reason"] as? String)?.contains("--portmap off") == true)
    }
}
