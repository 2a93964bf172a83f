import Foundation
import Testing

/// TURN over TCP and TLS with coturn 4.6.1 both ways: natctl's client (`relay test
/// --transport tcp|tls`) through coturn's `turnserver`, and coturn's `turnutils_uclient -t`
/// and `-t -S` through `natctl relay serve`, with a self-signed certificate made for the test.
@Suite(.serialized, .enabled(if: Coturn.runnable, "needs coturn (turnserver, turnutils_uclient): run `make deps`"))
struct CoturnStreamInteropTests {
    typealias Interop = CoturnTURNInteropTests

    @Test func natctlRelaysThroughCoturnOverTCP() throws {
        let coturn = try Interop.TurnRelay(.user("alice", "wonderland"))
        let report = try Interop().relayTest("--server", "127.0.0.1:\(coturn.port)", "--user", "alice", "--password", "wonderland", "--transport", "tcp")
        #expect(report["transport"] as? String == "tcp")
        #expect(report["error"] is NSNull, "\(report)")
        let burst = try #require((report["echo"] as? [String: Any])?["burst"] as? [String: Any])
        #expect((burst["echoed"] as? Int ?? 0) >= 45, "\(burst)")
    }

    @Test func natctlRelaysThroughCoturnOverTLSCheckingItsCertificate() throws {
        let certificate = try StreamCertificate.make()
        defer { certificate.remove() }
        let coturn = try Interop.TurnRelay(.user("alice", "wonderland"), tls: certificate)
        let port = try #require(coturn.tlsPort)
        let report = try Interop().relayTest(
            "--server", "localhost:\(port)", "--user", "alice", "--password", "wonderland", "--transport", "tls", "--ca", certificate.certificate)
        #expect(report["transport"] as? String == "tls")
        #expect(report["error"] is NSNull, "\(report)")
        // Without the CA the same server is refused, saying why.
        let untrusted = try Subprocess.natctl(
            "relay", "test", "--json", "--server", "localhost:\(port)", "--user", "alice", "--password", "wonderland", "--transport", "tls")
        #expect(untrusted.status == 2)
        #expect(untrusted.stderr.contains("not trusted"), "\(untrusted.stderr)")
    }

    @Test func coturnsClientRelaysThroughNatctlOverTCP() throws {
        let (server, port) = try Interop.natctlRelay(.user("alice", "wonderland"))
        let output = try Interop().uclient(port: port, credentials: ["-u", "alice", "-w", "wonderland"], transport: ["-t"])
        let log = server.stop().rest
        #expect(output.status == 0, "uclient: \(output.stdout.suffix(600))")
        #expect(output.stdout.contains("tot_send_msgs=20, tot_recv_msgs=20"), "\(output.stdout.suffix(600))")
        #expect(log.contains(#""event":"allocated""#))
        #expect(log.contains(#""reason":"connection closed""#) || log.contains(#""reason":"deleted""#), "\(log.suffix(600))")
    }

    @Test func coturnsClientRelaysThroughNatctlOverTLS() throws {
        let certificate = try StreamCertificate.make()
        defer { certificate.remove() }
        let (server, listening) = try Interop.natctlRelayListening(
            .user("alice", "wonderland"), extra: ["--cert", certificate.certificate, "--pkey", certificate.key, "--tls-listening-port", "0"])
        let tls = try #require(listening["tls"] as? String, "\(listening)")
        let output = try Interop().uclient(
            port: String(tls.split(separator: ":").last!), credentials: ["-u", "alice", "-w", "wonderland"], transport: ["-t", "-S"])
        _ = server.stop()
        #expect(output.status == 0, "uclient: \(output.stdout.suffix(600))")
        #expect(output.stdout.contains("tot_send_msgs=20, tot_recv_msgs=20"), "\(output.stdout.suffix(600))")
    }
}

/// A self-signed certificate for localhost and 127.0.0.1, made with openssl in a directory of its own.
struct StreamCertificate {
    let certificate: String
    let key: String

    static func make() throws -> StreamCertificate {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("natctl-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let made = StreamCertificate(
            certificate: directory.appendingPathComponent("cert.pem").path, key: directory.appendingPathComponent("key.pem").path)
        let output = try Subprocess.run(
            "/usr/bin/env",
            [
                "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", made.key,
                "-out", made.certificate, "-days", "2", "-subj", "/CN=natctl-test", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            ])
        guard output.status == 0 else { throw ProcessFailure(message: "openssl req failed: \(output.stderr)") }
        return made
    }

    func remove() {
        try? FileManager.default.removeItem(at: URL(fileURLWithPath: certificate).deletingLastPathComponent())
    }
}
