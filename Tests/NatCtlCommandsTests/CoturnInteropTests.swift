import Foundation
import Testing

enum Coturn {
    /// Installed here, or in CI, where its absence must fail rather than skip.
    static let runnable = Subprocess.has("turnserver") || ProcessInfo.processInfo.environment["CI"] == "true"
}

/// Interop with a real peer, coturn (Debian `coturn`, installed by `make deps`): its client
/// against our server, and our client against its server. In CI these always run, so a
/// missing coturn fails loudly instead of skipping.
@Suite(.serialized, .enabled(if: Coturn.runnable, "needs coturn (turnserver, turnutils_stunclient): run `make deps`"))
struct CoturnInteropTests {
    /// coturn in STUN-only RFC 5780 mode on 127.0.0.1/127.0.0.2; 127.0.0.1 must be listed first
    /// (coturn derives OTHER-ADDRESS from the first listed IP).
    final class Turnserver {
        let process: BackgroundProcess
        let port: UInt16
        let directory: URL

        init() throws {
            port = try freeUDPPort()
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("natctl-coturn-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            process = try BackgroundProcess(
                "/usr/bin/env",
                [
                    "turnserver", "-n", "--stun-only", "--no-cli", "--no-tls", "--no-dtls",
                    "--listening-ip", "127.0.0.1", "--listening-ip", "127.0.0.2",
                    "--listening-port", "\(port)", "--alt-listening-port", "\(port + 1)",
                    "--log-file", "stdout", "--simple-log",
                    "--pidfile", directory.appendingPathComponent("turnserver.pid").path,
                    "--userdb", directory.appendingPathComponent("turndb").path,
                ])
            _ = try process.waitForLine(containing: "Total General servers")
        }

        deinit {
            _ = process.stop(signal: SIGKILL)
            try? FileManager.default.removeItem(at: directory)
        }
    }

    @Test func natctlProbeReadsCoturnsRFC5780Answer() throws {
        let coturn = try Turnserver()
        let output = try Subprocess.natctl("probe", "--server", "127.0.0.1:\(coturn.port)", "--json", "--timeout", "5")
        #expect(output.status == 0, "stderr: \(output.stderr)")
        let report = try ProbeCLITests.json(output.stdout)
        let servers = try #require(report["servers"] as? [[String: Any]])
        let first = try #require(servers.first)
        let local = try #require((report["local_sockets"] as? [String])?.first)
        let localPort = try #require(local.split(separator: ":").last)
        #expect(first["mapped"] as? String == "127.0.0.1:\(localPort)")
        #expect(first["other_address"] as? String == "127.0.0.2:\(coturn.port + 1)")
        #expect((first["software"] as? String)?.contains("Coturn") == true)
        #expect(servers.count == 3, "natctl also asks coturn's alternate IP and alternate port")
        for entry in servers { #expect(entry["mapped"] as? String == "127.0.0.1:\(localPort)") }
        #expect(report["mapping_varies_by_dest_ip"] as? Bool == false)
        #expect(report["mapping_varies_by_dest_port"] as? Bool == false)
        #expect(report["no_nat"] as? Bool == true)
    }

    @Test func coturnStunclientRunsRFC5780TestsAgainstNatctl() throws {
        let (server, addresses) = try ProbeCLITests.startServer()
        defer { _ = server.stop() }
        let primary = addresses[0]
        let port = try #require(primary.split(separator: ":").last.map(String.init))
        let output = try Subprocess.run("/usr/bin/env", ["timeout", "10", "turnutils_stunclient", "-p", port, "127.0.0.1"])
        #expect(output.status == 0, "turnutils_stunclient: \(output.stderr)")
        let text = output.stdout
        // Block 1: a plain Binding; OTHER-ADDRESS names our alternate IP and port.
        #expect(text.contains("Other addr: : \(addresses[3])"))
        #expect(text.contains("Response origin: : \(primary)"))
        #expect(text.contains("UDP reflexive addr: 127.0.0.1:"))
        // Blocks 2 and 3: CHANGE-REQUEST (both) with RESPONSE-PORT, then with PADDING, answered from the alternate socket.
        #expect(text.contains("RFC 5780 response 3"))
        #expect(text.components(separatedBy: "Response origin: : \(addresses[3])").count - 1 >= 2)
        #expect(!text.contains("The response is an error"))
    }

    @Test func coturnStunclientAgainstSingleAddressServer() throws {
        let server = try BackgroundProcess(Subprocess.natctl, ["relay", "serve", "--listen", "127.0.0.1:0", "--json"])
        let line = try server.waitForLine(containing: "listening")
        defer { _ = server.stop() }
        let port = try #require(line.split(separator: "\"").first { $0.hasPrefix("127.0.0.1:") }?.split(separator: ":").last)
        let output = try Subprocess.run("/usr/bin/env", ["timeout", "10", "turnutils_stunclient", "-p", String(port), "127.0.0.1"])
        #expect(output.status == 0)
        #expect(output.stdout.contains("UDP reflexive addr: 127.0.0.1:"))
        #expect(!output.stdout.contains("Other addr"), "a single-address server sends no OTHER-ADDRESS")
    }

    /// The same verdict from coturn's RFC 5780 server as from natctl's own, on one path.
    @Test func classifyAgreesAcrossCoturnAndNatctl() throws {
        let coturn = try Turnserver()
        let (server, addresses) = try ProbeCLITests.startServer()
        defer { _ = server.stop() }
        var verdicts: [[String]] = []
        for target in ["127.0.0.1:\(coturn.port)", addresses[0]] {
            let output = try Subprocess.natctl("classify", "--server", target, "--json")
            #expect(output.status == 0, "\(target): \(output.stderr)")
            let report = try ProbeCLITests.json(output.stdout)
            let value = { (key: String) in ((report[key] as? [String: Any])?["value"] as? String) ?? "null" }
            verdicts.append([value("mapping"), value("filtering"), report["rfc3489"] as? String ?? "null", "\(report["no_nat"] ?? "null")"])
        }
        #expect(verdicts[0] == ["endpoint-independent", "endpoint-independent", "open-internet", "1"], "coturn: \(verdicts[0])")
        #expect(verdicts[0] == verdicts[1])
    }
}
