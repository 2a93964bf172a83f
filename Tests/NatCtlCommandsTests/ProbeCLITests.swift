import Foundation
import Testing

/// `natctl probe` and `natctl relay serve` as built binaries, end to end on loopback.
@Suite(.serialized) struct ProbeCLITests {
    /// Starts `relay serve` with RFC 5780 roles on 127.0.0.1 / 127.0.0.2 and returns it with its addresses.
    static func startServer() throws -> (BackgroundProcess, [String]) {
        let server = try BackgroundProcess(
            Subprocess.natctl, ["relay", "serve", "--listen", "127.0.0.1:0", "--alternate", "127.0.0.2:0", "--json"])
        let line = try server.waitForLine(containing: "listening")
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        let addresses = object?["addresses"] as? [String] ?? []
        #expect(object?["rfc5780"] as? Bool == true)
        #expect(addresses.count == 4)
        return (server, addresses)
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func jsonReportAgainstLocalRFC5780Server() throws {
        let (server, addresses) = try Self.startServer()
        defer { _ = server.stop() }
        let primary = addresses[0]
        let output = try Subprocess.natctl("probe", "--server", primary, "--server", addresses[3], "--json", "--timeout", "5")
        #expect(output.status == 0, "stderr: \(output.stderr)")
        let report = try Self.json(output.stdout)
        #expect(report["schema"] as? String == "natctl.probe/1")
        #expect(report["udp"] as? Bool == true)
        #expect(report["ipv4"] as? Bool == true)
        #expect(report["ipv6"] is NSNull, "no IPv6 server was given, so IPv6 is not checked")
        #expect(report["public_ipv4"] as? String == "127.0.0.1")
        #expect(report["no_nat"] as? Bool == true)
        #expect(report["port_preserved"] as? Bool == true)
        #expect(report["mapping_varies_by_dest_ip"] as? Bool == false)
        #expect(report["mapping_varies_by_dest_port"] as? Bool == false)
        let servers = try #require(report["servers"] as? [[String: Any]])
        let purposes = servers.map { $0["purpose"] as? String ?? "" }
        #expect(purposes.filter { $0 == "server" }.count == 2)
        #expect(purposes.contains("alternate_ip") && purposes.contains("alternate_port"))
        let local = try #require((report["local_sockets"] as? [String])?.first)
        let localPort = local.split(separator: ":").last.map(String.init)
        for entry in servers {
            #expect((entry["reflexive"] as? String)?.hasSuffix(":\(localPort ?? "?")") == true)
            #expect(entry["rtt_ms"] is Double)
            #expect(entry["error"] is NSNull)
        }
        let first = try #require(servers.first)
        #expect(first["other_address"] as? String == addresses[3])
        #expect(first["response_origin"] as? String == primary)
    }

    @Test func humanOutputNamesEachFinding() throws {
        let (server, addresses) = try Self.startServer()
        defer { _ = server.stop() }
        let output = try Subprocess.natctl("probe", "--server", addresses[0])
        #expect(output.status == 0)
        #expect(output.stdout.contains("seen as"))
        #expect(output.stdout.contains("UDP                                           works"))
        #expect(output.stdout.contains("Mapping varies by destination IP              no"))
        #expect(output.stdout.contains("via alternate ip"))
        #expect(output.stderr.isEmpty, "stderr carries nothing on success: \(output.stderr)")
    }

    @Test func serversComeFromTheEnvironment() throws {
        let (server, addresses) = try Self.startServer()
        defer { _ = server.stop() }
        let output = try Subprocess.natctl("probe", "--json", environment: ["NATCTL_SERVERS": "\(addresses[0]),\(addresses[3])"])
        #expect(output.status == 0)
        let servers = try #require(try Self.json(output.stdout)["servers"] as? [[String: Any]])
        #expect(Set(servers.compactMap { $0["server"] as? String }) == [addresses[0], addresses[3]])
    }

    @Test func failedRequirementExitsOneWithAWellFormedDocument() throws {
        let (server, addresses) = try Self.startServer()
        defer { _ = server.stop() }
        let output = try Subprocess.natctl("probe", "--server", addresses[0], "--require", "ipv6", "--require", "udp", "--json")
        #expect(output.status == 1)
        #expect(output.stderr.contains("requirement not met: ipv6"))
        let requirements = try #require(try Self.json(output.stdout)["requirements"] as? [[String: Any]])
        #expect(requirements.map { $0["met"] as? Bool } == [false, true])
        let passing = try Subprocess.natctl("probe", "--server", addresses[0], "--require", "no-nat", "--require", "stable-mapping")
        #expect(passing.status == 0)
    }

    @Test func noServerAnsweringExitsTwoWithinTheTimeout() throws {
        let port = try freeUDPPort()
        let output = try Subprocess.natctl("probe", "--server", "127.0.0.1:\(port)", "--timeout", "0.5", "--json")
        #expect(output.status == 2)
        #expect(output.stderr.contains("no STUN server answered at '127.0.0.1:\(port)' within 500 ms"))
        let report = try Self.json(output.stdout)
        #expect(report["udp"] as? Bool == false)
        #expect(report["public_ipv4"] is NSNull)
        let servers = try #require(report["servers"] as? [[String: Any]])
        #expect((servers.first?["error"] as? String)?.hasPrefix("no answer from 127.0.0.1:\(port)") == true)
        // Asked as a CI question, the same silence is a definite "UDP does not work": exit 1.
        let gated = try Subprocess.natctl("probe", "--server", "127.0.0.1:\(port)", "--timeout", "0.3", "--require", "udp")
        #expect(gated.status == 1)
        #expect(gated.stderr.contains("requirement not met: udp (no STUN server answered"))
    }

    @Test func unresolvableServerIsReportedNotHung() throws {
        let output = try Subprocess.natctl("probe", "--server", "no-such-host.invalid:3478", "--timeout", "1", "--json")
        #expect(output.status == 2)
        let servers = try #require(try Self.json(output.stdout)["servers"] as? [[String: Any]])
        #expect((servers.first?["error"] as? String)?.contains("no-such-host.invalid") == true)
    }

    @Test func serveStopsCleanlyOnSIGTERM() throws {
        let (server, _) = try Self.startServer()
        let (status, rest) = server.stop()
        #expect(status == 0)
        #expect(rest.contains(#""event":"stopped","reason":"SIGTERM""#))
    }
}
