import Foundation
import Testing

/// `probe --transport tcp|tls` against `natctl relay serve` on loopback with a certificate made
/// for the test: each server over each transport, what it saw, and `--require tcp|tls`.
@Suite struct ProbeStreamCLITests {
    @Test func probeReachesTheServerOverTCPAndTLS() throws {
        let certificate = try StreamCertificate.make()
        defer { certificate.remove() }
        let (server, listening) = try CoturnTURNInteropTests.natctlRelayListening(
            .user("alice", "wonderland"), extra: ["--cert", certificate.certificate, "--pkey", certificate.key, "--tls-listening-port", "0"])
        defer { _ = server.stop() }
        let udp = try #require((listening["addresses"] as? [String])?.first)
        let tcp = try #require(listening["tcp"] as? String)
        #expect(tcp == udp, "TCP listens on the UDP port")
        let tlsPort = String(try #require(listening["tls"] as? String).split(separator: ":").last!)
        let output = try Subprocess.natctl(
            "probe", "--portmap", "off", "--family", "ipv4", "--server", "localhost:\(udp.split(separator: ":").last!)", "--transport", "tcp",
            "--transport", "tls", "--tls-port", tlsPort, "--ca", certificate.certificate, "--require", "tcp", "--require", "tls", "--json")
        #expect(output.status == 0, "\(output.stderr)")
        let report = try ProbeCLITests.json(output.stdout)
        let streams = try #require(report["streams"] as? [[String: Any]])
        #expect(streams.map { $0["transport"] as? String } == ["tcp", "tls"])
        #expect(streams.allSatisfy { $0["reachable"] as? Bool == true && ($0["mapped"] as? String)?.hasPrefix("127.0.0.1:") == true }, "\(streams)")
        #expect((report["requirements"] as? [[String: Any]])?.allSatisfy { $0["met"] as? Bool == true } == true)
    }

    @Test func aClosedTCPPortIsReportedAndFailsItsRequirement() throws {
        let output = try Subprocess.natctl(
            "probe", "--portmap", "off", "--server", "127.0.0.1:9", "--transport", "tcp", "--require", "tcp", "--timeout", "1", "--json")
        #expect(output.status == 1)
        let report = try ProbeCLITests.json(output.stdout)
        let stream = try #require((report["streams"] as? [[String: Any]])?.first)
        #expect(stream["reachable"] as? Bool == false)
        #expect((stream["error"] as? String)?.contains("connection refused") == true, "\(stream)")
    }
}
