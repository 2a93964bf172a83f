import ArgumentParser
import Foundation
import NATCore
import NATWire

extension NatCtl.Punch {
    func validateWireGuard() throws {
        guard let wireguard, !wireguard.isEmpty else { throw ValidationError("--wireguard needs an interface name") }
        guard WireGuardInterface.Control(rawValue: wgControl) != nil else { throw ValidationError("--wg-control takes auto, uapi or wg-tool, not '\(wgControl)'") }
        if let bad = endpoint.first(where: { TransportAddress($0) == nil }) { throw ValidationError("--endpoint '\(bad)' is not an ip:port or [v6]:port") }
        if let peerKey, WireGuardKey(peerKey) == nil { throw ValidationError("--peer-key '\(peerKey)' is not a WireGuard key (44 base64 characters)") }
        if let probeIP, IPAddress(probeIP) == nil { throw ValidationError("--probe-ip '\(probeIP)' is not an IP address") }
        if !endpoint.isEmpty {
            guard peerKey != nil else { throw ValidationError("--wireguard with --endpoint needs --peer-key KEY, the peer to connect") }
            if server != nil || code != nil { throw ValidationError("give --endpoint (a list, no server) or --server/--code (rendezvous), not both") }
            if !allowedIP.isEmpty { throw ValidationError("--allowed-ip is for a peer rendezvous adds; with --endpoint the peer must be configured") }
        }
        if let code, PunchCode(code) == nil {
            throw ValidationError("--code '\(code)' must look like NAMEPLATE-WORDS, e.g. 4127-amber-falcon-river (no spaces)")
        }
        if let server, ServerSpec(parsing: server) == nil { throw ValidationError("--server '\(server)' is not a host:port or [v6]:port") }
        if let bad = allowedIP.first(where: { IPPrefix($0) == nil }) { throw ValidationError("--allowed-ip '\(bad)' is not an IP prefix like 10.9.0.2/32") }
        if !peer.isEmpty || bind != 0 || stdio || portmap { throw ValidationError("--peer, --bind, --stdio and --portmap do not go with --wireguard") }
        if noRelay, noDirect { throw ValidationError("--no-relay and --no-direct leave nothing to try") }
        try trust.validate(usesTLS: endpoint.isEmpty, tlsNeeds: "a rendezvous server (TLS is its last fallback)")
        guard (0...100_000).contains(maxProbes) else { throw ValidationError("--max-probes must be 0 to 100000") }
        guard (1...1000).contains(proof) else { throw ValidationError("--proof must be 1 to 1000") }
        guard duration >= 0, duration <= 86_400 else { throw ValidationError("--duration must be 0 to 86400 seconds") }
        guard timeout > 0, timeout <= 3600 else { throw ValidationError("--timeout must be between 0 and 3600 seconds") }
        guard attemptTimeout >= 0.1, attemptTimeout <= 60 else { throw ValidationError("--attempt-timeout must be 0.1 to 60 seconds") }
        if let keepalive, keepalive < 0 || keepalive > 65535 || keepalive != keepalive.rounded() {
            throw ValidationError("--keepalive with --wireguard must be whole seconds, 0 to 65535")
        }
        if let require, require != "direct" { throw ValidationError("--require takes 'direct', not '\(require)'") }
    }

    func runWireGuard() async throws {
        var configuration = WireGuardPunchConfiguration(interface: wireguard ?? "")
        configuration.control = WireGuardInterface.Control(rawValue: wgControl) ?? .auto
        configuration.peerKey = peerKey.flatMap(WireGuardKey.init)
        configuration.endpoints = endpoint.compactMap(TransportAddress.init)
        configuration.attemptTimeout = .milliseconds(Int(attemptTimeout * 1000))
        configuration.timeout = .milliseconds(Int(timeout * 1000))
        configuration.restore = restore
        configuration.probeIP = probeIP.flatMap(IPAddress.init)
        configuration.allowedIPs = allowedIP
        if endpoint.isEmpty {
            guard let serverAddress = try await ServerChoice.firstNamed(server.map { [$0] } ?? [], limit: .seconds(5)) else {
                throw ValidationError("name a rendezvous server with --server host:port (or set NATCTL_SERVERS), or list --endpoint IP:PORT")
            }
            let punchCode = code.flatMap(PunchCode.init) ?? PunchCode.random()
            if code == nil {
                Console.error("natctl punch: code \(punchCode) — on the other host run: natctl punch --wireguard IFACE --server \(serverAddress) --code \(punchCode)")
            }
            var punch = PunchConfiguration(code: punchCode, server: serverAddress)
            punch.serverTLS = serverTLS
            punch.timeout = configuration.timeout
            punch.maxProbes = maxProbes
            punch.proofCount = proof
            punch.useRelay = !noRelay
            punch.useDirect = !noDirect
            punch.hold = .milliseconds(Int(duration * 1000))
            configuration.punch = punch
        }
        // Only an explicit --keepalive changes the peer's own setting.
        configuration.keepalive = keepalive.map { UInt16($0) }
        let json = json
        let session = WireGuardPunch(configuration) { note in if !json { Console.error("natctl punch: \(note)") } }
        let termination = TerminationSignal(limitSeconds: nil)
        let stop = session.stop
        let watcher = Task.detached { stop(await termination.wait()) }
        defer { watcher.cancel() }
        var report = await session.run()
        let failure = Self.failure(report, setupError: session.setupError, requireDirect: require == "direct")
        report.failure = failure?.object
        if json {
            Console.result(try ReportJSON.encode(report))
        } else {
            Console.result(WireGuardRendering.text(report))
        }
        if let failure { throw failure }
    }

    /// Like `failure(_:requireDirect:)`, with missing rights named as such.
    static func failure(_ report: WireGuardPunchReport, setupError: WireGuardError?, requireDirect: Bool) -> CommandFailure? {
        let reason = report.error ?? "no handshake"
        if case .permission = setupError { return CommandFailure(.notPermitted, "punch: \(report.outcome.rawValue): \(reason)") }
        return failure(report.outcome, reason, relayed: report.path == "relayed", requireDirect: requireDirect)
    }
}
