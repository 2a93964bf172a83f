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
        #expect(report["schema"] as? String == "natctl.probe/2")
        #expect(report["udp"] as? Bool == true)
        #expect(report["ipv4"] as? Bool == true)
        #expect(report["error"] is NSNull)
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
            #expect((entry["mapped"] as? String)?.hasSuffix(":\(localPort ?? "?")") == true)
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
        // IPv6 is not checked when no IPv6 server was tried: exit 2, met null, never "no".
        let output = try Subprocess.natctl("probe", "--server", addresses[0], "--require", "ipv6", "--require", "udp", "--json")
        #expect(output.status == 2)
        #expect(output.stderr.contains("requirement not checked: ipv6 (no ipv6 server was tried)"))
        let report = try Self.json(output.stdout)
        let requirements = try #require(report["requirements"] as? [[String: Any]])
        #expect(requirements.map { $0["met"] as? Bool } == [nil, true])
        #expect(requirements.first?["met"] is NSNull)
        #expect(requirements.first?["reason"] as? String == "no ipv6 server was tried")
        #expect((report["error"] as? [String: Any])?["code"] as? String == "not-checked")
        // A checked "no" exits 1: see noServerAnsweringExitsTwoWithinTheTimeout (--require udp).
        let passing = try Subprocess.natctl("probe", "--server", addresses[0], "--require", "no-nat", "--require", "stable-mapping")
        #expect(passing.status == 0)
    }

    @Test func noServerAnsweringExitsTwoWithinTheTimeout() throws {
        let port = try freeUDPPort()
        let output = try Subprocess.natctl("probe", "--server", "127.0.0.1:\(port)", "--timeout", "0.5", "--json")
        #expect(output.status == 2)
        #expect(output.stderr.contains("no STUN server answered at '127.0.0.1:\(port)' within 500 ms"))
        let report = try Self.json(output.stdout)
        #expect((report["error"] as? [String: Any])?["code"] as? String == "no-answer")
        #expect(report["udp"] as? Bool == false)
        #expect(report["public_ipv4"] is NSNull)
        let servers = try #require(report["servers"] as? [[String: Any]])
        #expect((servers.first?["error"] as? String)?.hasPrefix("no answer from 127.0.0.1:\(port)") == true)
        // Asked as a CI question, the same silence is a definite "UDP does not work": exit 1.
        let gated = try Subprocess.natctl("probe", "--server", "127.0.0.1:\(port)", "--timeout", "0.3", "--require", "udp", "--json")
        #expect(gated.status == 1)
        #expect(gated.stderr.contains("requirement not met: udp (no STUN server answered"))
        let gatedReport = try Self.json(gated.stdout)
        #expect((gatedReport["error"] as? [String: Any])?["code"] as? String == "assertion-failed")
        #expect((gatedReport["requirements"] as? [[String: Any]])?.first?["met"] as? Bool == false)
    }

    @Test func unresolvableServerIsReportedNotHung() throws {
        let output = try Subprocess.natctl("probe", "--server", "no-such-host.invalid:3478", "--timeout", "1", "--json")
        #expect(output.status == 2)
        #expect(output.stderr.contains("did not resolve"))
        #expect(!output.stderr.contains("within 1000 ms"), "a name that did not resolve is not a server that did not answer")
        let report = try Self.json(output.stdout)
        let servers = try #require(report["servers"] as? [[String: Any]])
        #expect((servers.first?["error"] as? String)?.contains("no-such-host.invalid") == true)
        #expect((report["error"] as? [String: Any])?["code"] as? String == "name-not-resolved")
    }

    /// A typo in the server name is not blocked UDP: `--require udp` exits 2, not 1.
    @Test func requireOnAnUnresolvedNameExitsTwo() throws {
        let output = try Subprocess.natctl("probe", "--server", "nohost.invalid:3478", "--timeout", "1", "--require", "udp", "--json")
        #expect(output.status == 2, "stderr: \(output.stderr)")
        let report = try Self.json(output.stdout)
        #expect((report["error"] as? [String: Any])?["code"] as? String == "name-not-resolved")
        let requirement = try #require((report["requirements"] as? [[String: Any]])?.first)
        #expect(requirement["met"] is NSNull)
        #expect(requirement["reason"] is String)
    }

    @Test func familyWithoutAServerIsNamed() throws {
        let output = try Subprocess.natctl("probe", "--server", "127.0.0.1:3478", "--family", "ipv6", "--json")
        #expect(output.status == 2)
        let report = try Self.json(output.stdout)
        #expect((report["error"] as? [String: Any])?["code"] as? String == "no-server-of-family")
    }

    @Test func busyPortIsNamed() throws {
        let (server, addresses) = try Self.startServer()
        defer { _ = server.stop() }
        let output = try Subprocess.natctl("relay", "serve", "--listen", addresses[0], "--duration", "1", "--json")
        #expect(output.status == 2)
        let port = addresses[0].split(separator: ":").last.map(String.init) ?? "?"
        #expect(output.stderr.contains("port \(port) is already in use"), "stderr: \(output.stderr)")
        #expect(!output.stderr.contains("errno"))
        let document = try Self.json(output.stdout)
        #expect(document["schema"] as? String == "natctl.serve/2")
        #expect((document["error"] as? [String: Any])?["code"] as? String == "port-in-use")
    }

    @Test func serveStopsCleanlyOnSIGTERM() throws {
        let (server, _) = try Self.startServer()
        let (status, rest) = server.stop()
        #expect(status == 0)
        let stopped = rest.split(separator: "\n").compactMap { try? Self.json(String($0)) }.first { $0["event"] as? String == "stopped" }
        #expect(stopped?["reason"] as? String == "SIGTERM", "\(rest)")
    }
}
