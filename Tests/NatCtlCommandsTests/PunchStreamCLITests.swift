import Foundation
import Testing

/// `punch` when neither UDP nor TCP reaches the rendezvous server's port: it goes over TLS to
/// the server's TLS port, rendezvous and relay alike, and the two sides connect relayed.
@Suite struct PunchStreamCLITests {
    /// natctl's relay serving TLS only (`--no-tcp`), and its TLS port. Port 9 on loopback
    /// answers neither UDP nor TCP, so a punch pointed there has only the TLS port left.
    static func tlsOnlyRelay(_ certificate: StreamCertificate) throws -> (BackgroundProcess, String) {
        let (server, listening) = try CoturnTURNInteropTests.natctlRelayListening(
            .user("alice", "wonderland"),
            extra: ["--cert", certificate.certificate, "--pkey", certificate.key, "--tls-listening-port", "0", "--no-tcp"])
        return (server, String(try #require(listening["tls"] as? String).split(separator: ":").last ?? ""))
    }

    @Test func punchFallsBackToTLSWhenUDPAndTCPGetNoAnswer() throws {
        let certificate = try StreamCertificate.make()
        defer { certificate.remove() }
        let (server, tlsPort) = try Self.tlsOnlyRelay(certificate)
        defer { _ = server.stop() }
        // --no-direct: on loopback the two sides' UDP would reach each other directly, and the
        // relay allocation over TLS is what is under test.
        let common = [
            "punch", "--server", "127.0.0.1:9", "--tls-port", tlsPort, "--code", "4242-tls-fallback-here", "--timeout", "20", "--no-direct", "--json",
        ]
        // One side checks the certificate (its IP entry), the other does not.
        let unchecked = try BackgroundProcess(Subprocess.natctl, common + ["--insecure"])
        let checked = try Subprocess.run(Subprocess.natctl, common + ["--ca", certificate.certificate])
        let other = unchecked.stop(signal: 0)  // signal 0: no signal, just wait for it to end
        for (output, transport) in [(checked.stdout, "tls"), (other.rest, "tls-insecure")] {
            let report = try ProbeCLITests.json(output)
            #expect(report["outcome"] as? String == "SUCCESS", "\(output) \(checked.stderr)")
            #expect(report["server_transport"] as? String == transport)
            #expect(report["path"] as? String == "relayed")
            #expect(report["strategy"] as? String == "relay")
            #expect((report["proof"] as? [String: Any])?["verified"] as? Bool == true)
        }
        #expect(checked.status == 0 && other.status == 0)
    }

    /// A certificate that does not check out is a failure naming every transport tried.
    @Test func anUntrustedTLSFallbackIsServerUnreachable() throws {
        let certificate = try StreamCertificate.make()
        defer { certificate.remove() }
        let (server, tlsPort) = try Self.tlsOnlyRelay(certificate)
        defer { _ = server.stop() }
        let output = try Subprocess.natctl(
            "punch", "--server", "127.0.0.1:9", "--tls-port", tlsPort, "--code", "4243-tls-untrusted-here", "--timeout", "5", "--json")
        #expect(output.status == 2)
        let report = try ProbeCLITests.json(output.stdout)
        #expect(report["outcome"] as? String == "SERVER_UNREACHABLE")
        let message = try #require((report["error"] as? [String: Any])?["message"] as? String)
        #expect(message.contains("UDP") && message.contains("TCP 9") && message.contains("TLS \(tlsPort)") && message.contains("not trusted"), "\(message)")
    }
}
