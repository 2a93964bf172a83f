import Foundation
import Testing

/// TURN interop with coturn 4.6.1 both ways, with long-term and shared-secret credentials:
/// natctl's client (`relay test`) through coturn's `turnserver`, and coturn's
/// `turnutils_uclient` through `natctl relay serve` to coturn's echo peer `turnutils_peer`.
@Suite(.serialized, .enabled(if: Coturn.runnable, "needs coturn (turnserver, turnutils_uclient): run `make deps`"))
struct CoturnTURNInteropTests {
    enum Auth {
        case user(String, String)
        case secret(String)
    }

    /// coturn as a TURN relay on 127.0.0.1, relaying to loopback peers.
    final class TurnRelay {
        let process: BackgroundProcess
        let port: UInt16
        let directory: URL

        /// coturn's TLS port when it was given a certificate.
        var tlsPort: UInt16?

        init(_ auth: Auth, tls certificate: StreamCertificate? = nil) throws {
            port = try freeUDPPort()
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("natctl-coturn-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let credentials: [String] =
                switch auth {
                case .user(let name, let password): ["--lt-cred-mech", "--user", "\(name):\(password)"]
                case .secret(let secret): ["--use-auth-secret", "--static-auth-secret", secret]
                }
            var tlsFlags = ["--no-tls"]
            if let certificate {
                let tlsPort = try freeUDPPort()
                self.tlsPort = tlsPort
                tlsFlags = ["--cert", certificate.certificate, "--pkey", certificate.key, "--tls-listening-port", "\(tlsPort)"]
            }
            process = try BackgroundProcess(
                "/usr/bin/env",
                [
                    "turnserver", "-n", "--no-cli", "--no-dtls", "--listening-ip", "127.0.0.1",
                    "--listening-port", "\(port)", "--relay-ip", "127.0.0.1", "--realm", "natctl", "--allow-loopback-peers",
                    "--log-file", "stdout", "--simple-log", "--pidfile", directory.appendingPathComponent("turnserver.pid").path,
                    "--userdb", directory.appendingPathComponent("turndb").path,
                ] + tlsFlags + credentials)
            _ = try process.waitForLine(containing: "Total General servers")
        }

        deinit {
            _ = process.stop(signal: SIGKILL)
            try? FileManager.default.removeItem(at: directory)
        }
    }

    /// `natctl relay serve` with TURN on 127.0.0.1; returns the process and its port.
    static func natctlRelay(_ auth: Auth, extra: [String] = []) throws -> (BackgroundProcess, String) {
        let (server, listening) = try natctlRelayListening(auth, extra: extra)
        let address = try #require((listening["addresses"] as? [String])?.first)
        return (server, String(address.split(separator: ":").last!))
    }

    /// `natctl relay serve` with TURN on 127.0.0.1 (and `extra` flags); the process and its
    /// `listening` event.
    static func natctlRelayListening(_ auth: Auth, extra: [String] = []) throws -> (BackgroundProcess, [String: Any]) {
        let credentials: [String] =
            switch auth {
            case .user(let name, let password): ["--user", "\(name):\(password)"]
            case .secret(let secret): ["--static-auth-secret", secret]
            }
        let server = try BackgroundProcess(
            Subprocess.natctl,
            ["relay", "serve", "--listen", "127.0.0.1:0", "--realm", "natctl", "--allow-loopback-peers", "--json"] + credentials + extra)
        let line = try server.waitForLine(containing: "listening")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect((object["turn"] as? [String: Any])?["relay_ip"] as? String == "127.0.0.1")
        return (server, object)
    }

    /// `relay test` against coturn: allocation, channel, echoes and a burst all go through.
    func relayTest(_ arguments: String...) throws -> [String: Any] {
        let output = try Subprocess.run(Subprocess.natctl, ["relay", "test", "--json", "--count", "50", "--rate", "500"] + arguments)
        #expect(output.status == 0, "stderr: \(output.stderr)")
        return try ProbeCLITests.json(output.stdout)
    }

    @Test func natctlRelaysThroughCoturnWithLongTermCredentials() throws {
        let coturn = try TurnRelay(.user("alice", "wonderland"))
        let report = try relayTest("--server", "127.0.0.1:\(coturn.port)", "--user", "alice", "--password", "wonderland")
        let allocation = try #require(report["allocation"] as? [String: Any])
        #expect((allocation["relayed_address"] as? String)?.hasPrefix("127.0.0.1:") == true)
        let echo = try #require(report["echo"] as? [String: Any])
        #expect((echo["rtt_ms"] as? [Double])?.count == 10)
        let burst = try #require(echo["burst"] as? [String: Any])
        #expect((burst["echoed"] as? Int ?? 0) >= 45, "\(burst)")
        #expect(report["error"] is NSNull)
    }

    @Test func natctlRelaysThroughCoturnWithASharedSecret() throws {
        let coturn = try TurnRelay(.secret("rest-api-secret"))
        let report = try relayTest("--server", "127.0.0.1:\(coturn.port)", "--user", "carol", "--auth-secret", "rest-api-secret")
        #expect(report["error"] is NSNull)
        #expect(((report["echo"] as? [String: Any])?["median_rtt_ms"] as? Double) != nil)
    }

    @Test func coturnRefusesAWrongPasswordAndNatctlSaysSo() throws {
        let coturn = try TurnRelay(.user("alice", "wonderland"))
        let output = try Subprocess.natctl("relay", "test", "--json", "--server", "127.0.0.1:\(coturn.port)", "--user", "alice", "--password", "nope")
        #expect(output.status == 2)
        let report = try ProbeCLITests.json(output.stdout)
        #expect(report["stun_error_code"] as? Int == 401)
        #expect(output.stderr.contains("username or password"))
    }

    /// coturn's uclient, 20 messages over channels. With `rtcp` off (`-c`) it makes one
    /// allocation; on (its default) an RTP allocation with EVEN-PORT R and an RTCP one with the
    /// RESERVATION-TOKEN it got back.
    func uclient(port: String, credentials: [String], rtcp: Bool = false, transport: [String] = []) throws -> Subprocess.Output {
        let peerPort = try freeUDPPort()
        // Run directly, not under timeout(1): SIGKILL must reach the peer itself.
        let peer = try BackgroundProcess("/usr/bin/env", ["turnutils_peer", "-L", "127.0.0.1", "-p", "\(peerPort)"])
        defer { _ = peer.stop(signal: SIGKILL) }
        try waitForUDPEcho(port: peerPort)
        return try Subprocess.run(
            "/usr/bin/env",
            ["timeout", "20", "turnutils_uclient", "-e", "127.0.0.1", "-r", "\(peerPort)", "-n", "20", "-l", "100", "-m", "1", "-z", "5", "-p", port]
                + (rtcp ? [] : ["-c"]) + transport + credentials + ["127.0.0.1"])
    }

    @Test func coturnsClientRelaysThroughNatctlWithLongTermCredentials() throws {
        let (server, port) = try Self.natctlRelay(.user("alice", "wonderland"))
        let output = try uclient(port: port, credentials: ["-u", "alice", "-w", "wonderland"])
        let log = server.stop().rest
        #expect(output.status == 0, "uclient: \(output.stdout.suffix(600))")
        #expect(output.stdout.contains("tot_send_msgs=20, tot_recv_msgs=20"), "\(output.stdout.suffix(600))")
        #expect(output.stdout.contains("Total lost packets 0 (0.000000%)"))
        #expect(log.contains(#""event":"allocated""#) && log.contains(#""username":"alice""#))
    }

    /// Default uclient: RTP/RTCP pairs, so EVEN-PORT with R and RESERVATION-TOKEN.
    @Test func coturnsDefaultClientGetsItsRTPAndRTCPPortPairFromNatctl() throws {
        let (server, port) = try Self.natctlRelay(.user("alice", "wonderland"))
        let output = try uclient(port: port, credentials: ["-u", "alice", "-w", "wonderland"], rtcp: true)
        let log = server.stop().rest
        #expect(output.status == 0, "uclient: \(output.stdout.suffix(600))")
        // uclient counts 20 or 40 messages (with or without the RTCP leg's): every one came back.
        #expect(
            output.stdout.contains("tot_send_msgs=20, tot_recv_msgs=20") || output.stdout.contains("tot_send_msgs=40, tot_recv_msgs=40"),
            "\(output.stdout.suffix(600))")
        #expect(output.stdout.contains("Total lost packets 0 (0.000000%)"))
        let events = log.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let held = try #require(events.first { $0["event"] as? String == "reserved" }?["relayed"] as? String, "\(log.suffix(800))")
        let relayed = events.filter { $0["event"] as? String == "allocated" }.compactMap { $0["relayed"] as? String }
        #expect(relayed.contains(held), "the RTCP allocation got the held port: \(relayed) held \(held)")
        let rtpPort = relayed.compactMap { UInt16($0.split(separator: ":").last!) }.filter { $0 % 2 == 0 }
        #expect(rtpPort.contains { "\($0 + 1)" == held.split(separator: ":").last! }, "RTP got the even port below it")
    }

    @Test func coturnsClientRelaysThroughNatctlWithASharedSecret() throws {
        let (server, port) = try Self.natctlRelay(.secret("rest-api-secret"))
        let output = try uclient(port: port, credentials: ["-u", "dave", "-W", "rest-api-secret"])
        _ = server.stop()
        #expect(output.status == 0, "uclient: \(output.stdout.suffix(600))")
        #expect(output.stdout.contains("tot_send_msgs=20, tot_recv_msgs=20"), "\(output.stdout.suffix(600))")
    }

    @Test func natctlRefusesCoturnsClientWithAWrongPassword() throws {
        let (server, port) = try Self.natctlRelay(.user("alice", "wonderland"))
        let output = try uclient(port: port, credentials: ["-u", "alice", "-w", "nope"])
        let log = server.stop().rest
        #expect(output.status != 0)
        #expect(output.stdout.contains("Cannot complete Allocation"))
        #expect(!log.contains(#""event":"allocated""#))
    }
}

/// Waits until a UDP echo service on 127.0.0.1:`port` answers (at most 5 s).
func waitForUDPEcho(port: UInt16) throws {
    let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
    defer { close(fd) }
    var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = port.bigEndian
    var buffer = [UInt8](repeating: 0, count: 64)
    for _ in 0..<25 {
        let sent = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, "ping", 4, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if sent == 4, recv(fd, &buffer, buffer.count, 0) > 0 { return }
    }
    throw ProcessFailure(message: "the UDP echo peer on port \(port) never answered")
}
