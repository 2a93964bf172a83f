import Foundation
import NATLab
import Testing

/// STUN servers beside the lab's own, on extra addresses of the lab internet's bridge: natctl
/// without `--alternate`, coturn with one listening IP, and Debian's RFC 3489 `stund`. `lab down`
/// would remove them with the namespace; `stop` ends them first.
struct ExtraServers {
    enum Server {
        case natctl(ip: String, port: Int)
        case coturn(ip: String, port: Int)
        /// stund answers on ports 3478 and 3479 of both IPs (RFC 3489 CHANGED-ADDRESS).
        case stund(primary: String, alternate: String)

        var addresses: [String] {
            switch self {
            case .natctl(let ip, _), .coturn(let ip, _): [ip]
            case .stund(let primary, let alternate): [primary, alternate]
            }
        }

        var endpoint: String {
            switch self {
            case .natctl(let ip, let port), .coturn(let ip, let port): "\(ip):\(port)"
            case .stund(let primary, _): "\(primary):3478"
            }
        }

        var command: [String] {
            switch self {
            case .natctl(let ip, let port): [LabFixture.natctl, "relay", "serve", "--listen", "\(ip):\(port)"]
            case .coturn(let ip, let port):
                [
                    "turnserver", "-n", "--stun-only", "--no-cli", "--no-tls", "--no-dtls", "--listening-ip", ip,
                    "--listening-port", "\(port)", "--log-file", "stdout", "--simple-log", "--pidfile", "/run/natctl/extra-\(ip)-\(port).pid",
                ]
            case .stund(let primary, let alternate): ["stund", "-h", primary, "-a", alternate]
            }
        }
    }

    private var processes: [LabProcess] = []

    /// Adds the servers' addresses to the bridge, starts them, and returns once each answers a
    /// Binding request (a probe from the public namespace, which retransmits while they start).
    static func start(_ state: LabState, _ servers: [Server]) throws -> ExtraServers {
        var started = ExtraServers()
        for address in Set(servers.flatMap(\.addresses)) {
            let add = try LabFixture.run(namespace: state.publicNamespace, ["ip", "addr", "add", "\(address)/24", "dev", "br0"])
            try #require(add.status == 0 || add.status == 2, "ip addr add \(address): status \(add.status)")  // 2: already there
        }
        for server in servers {
            started.processes.append(try LabProcess(namespace: state.publicNamespace, server.command, captureStderr: false))
        }
        do {
            for server in servers {
                let probe = try LabFixture.run(
                    namespace: state.publicNamespace,
                    [LabFixture.natctl, "probe", "--server", server.endpoint, "--timeout", "3", "--portmap", "off", "--json"])
                try #require(probe.status == 0, "\(server.endpoint) did not answer: \(probe.stdout)")
            }
        } catch {
            // The caller's defer is not set up yet: stop what started before failing.
            started.stop()
            throw error
        }
        return started
    }

    func stop() {
        for process in processes { process.terminate() }
    }
}
