import NATWire
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#endif

/// One run of `natctl punch --wireguard`: finds an endpoint at which a running WireGuard
/// interface completes a handshake with a peer, by setting each candidate as the peer's
/// endpoint and making WireGuard send a handshake initiation at once.
///
/// Each attempt re-creates the peer with the candidate as its endpoint and its keepalive
/// switched on: a fresh peer has no handshake history, so WireGuard's limit of one initiation
/// per 5 s (REKEY_TIMEOUT) does not delay the next candidate, and turning the keepalive on sends
/// one at once. The peer's keys, allowed IPs and keepalive are put back as they were.
public final class WireGuardPunch {
    let configuration: WireGuardPunchConfiguration
    let onProgress: @Sendable (String) -> Void
    let started = ContinuousClock.now
    var report = WireGuardPunchReport()
    /// Set once the run cannot go on for a reason the CLI maps to its own exit code.
    public private(set) var setupError: WireGuardError?
    let stopRequest = NIOLockedValueBox<String?>(nil)
    /// Rendezvous mode: how to stop the punch run underneath.
    let stopPunch = NIOLockedValueBox<(@Sendable (String) -> Void)?>(nil)

    /// How often the peer's latest handshake is read while an attempt waits (innernet polls
    /// every 100 ms; a read over UAPI costs well under a millisecond).
    static let pollInterval: Duration = .milliseconds(20)
    /// A handshake initiation is 148 bytes on the wire (the peer's tx counter counts them).
    static let initiationBytes: UInt64 = 148
    /// The keepalive used to trigger an initiation when the peer has none of its own.
    static let triggerKeepalive: UInt16 = 25

    public init(_ configuration: WireGuardPunchConfiguration, onProgress: @escaping @Sendable (String) -> Void = { _ in }) {
        self.configuration = configuration
        self.onProgress = onProgress
    }

    var now: Double { (ContinuousClock.now - started).millisecondsDouble.rounded() }
    var stopping: Bool { stopRequest.withLockedValue { $0 != nil } }

    /// Ends the run early from any thread (SIGINT/SIGTERM): the current attempt stops and the
    /// peer's original endpoint is put back.
    public var stop: @Sendable (_ reason: String) -> Void {
        { [stopRequest, stopPunch] reason in
            stopRequest.withLockedValue { if $0 == nil { $0 = reason } }
            stopPunch.withLockedValue { $0 }?(reason)
        }
    }

    /// Runs to the end and reports; never throws, every failure is an outcome.
    public func run() async -> WireGuardPunchReport {
        report.interface = configuration.interface
        report.peer = configuration.peerKey?.short ?? ""
        do throws(WireGuardError) {
            try Self.checkRawSockets()
            let (interface, device) = try await WireGuardInterface.open(configuration.interface, control: configuration.control)
            report.control = interface.control.rawValue
            report.listenPort = device.listenPort
            guard device.listenPort != 0 else { throw .protocolError("\(configuration.interface) has no listen port; set one (wg set \(configuration.interface) listen-port PORT)") }
            if let punch = configuration.punch {
                try await runRendezvous(interface, device, punch: punch)
                return finish()
            }
            guard let key = configuration.peerKey else { throw .protocolError("no --peer-key given") }
            report.peer = key.short
            guard let original = device.peer(key) else {
                fail(.failed, "peer \(key.short) is not configured on \(configuration.interface); add it first (wg set \(configuration.interface) peer KEY allowed-ips ...)")
                return finish()
            }
            report.originalEndpoint = original.endpoint?.description
            let watcher = try ICMPErrorWatcher(port: device.listenPort)
            defer { watcher.stop() }
            let winner: WireGuardPeer?
            do {
                winner = try await tryEndpoints(configuration.endpoints, interface: interface, device: device, original: original, watcher: watcher)
            } catch {
                // An attempt re-created the peer with a candidate: never leave it that way.
                try? await interface.apply([WireGuardPeerChange(peer: original, recreate: true)])
                throw error
            }
            if let winner {
                try await settle(interface: interface, original: original, winner: winner)
            } else {
                try await interface.apply([WireGuardPeerChange(peer: original, recreate: true)])
                report.restored = true
            }
        } catch {
            setupError = error
            fail(.failed, error.description)
        }
        return finish()
    }

    /// Tries each endpoint in turn, round after round, until one completes a handshake; the
    /// endpoint WireGuard ends up using (it follows the peer's packets) or nil.
    func tryEndpoints(
        _ endpoints: [TransportAddress], interface: WireGuardInterface, device: WireGuardDevice, original: WireGuardPeer, watcher: ICMPErrorWatcher
    ) async throws(WireGuardError) -> WireGuardPeer? {
        let deadline = ContinuousClock.now + configuration.timeout
        let leads = leadsHandshakes(device: device, peer: original.publicKey)
        while ContinuousClock.now < deadline, !stopping {
            for endpoint in endpoints {
                guard ContinuousClock.now < deadline, !stopping else { break }
                let attemptEnd = min(deadline, ContinuousClock.now + configuration.attemptTimeout)
                if !leads {
                    // The other side's initiation, if it comes, is answered whatever endpoint is set.
                    let waitEnd = min(attemptEnd, ContinuousClock.now + configuration.attemptTimeout * 0.4)
                    if let peer = try await attempt(endpoint, until: waitEnd, interface: interface, original: original, watcher: watcher, initiate: false, record: false) {
                        return peer
                    }
                }
                if let peer = try await attempt(endpoint, until: attemptEnd, interface: interface, original: original, watcher: watcher) {
                    return peer
                }
            }
        }
        fail(stopping ? .interrupted : .timeout, stopping ? "stopped by \(stopRequest.withLockedValue { $0 ?? "a signal" })" : "no endpoint completed a handshake within \(configuration.timeout.milliseconds / 1000) s (\(summary))")
        return nil
    }

    /// One candidate: the peer re-created with it as endpoint, then its handshake watched.
    ///
    /// `initiate` false: the peer is not re-created and sends nothing (keepalive off); the
    /// attempt only sets the endpoint and waits for a handshake the other side starts, newer
    /// than `original`'s. Two sides initiating at the same moment overwrite each other's
    /// handshake state and neither completes, so in rendezvous mode one side waits.
    func attempt(
        _ endpoint: TransportAddress, until end: ContinuousClock.Instant, interface: WireGuardInterface, original: WireGuardPeer,
        watcher: ICMPErrorWatcher?, initiate: Bool = true, record: Bool = true
    ) async throws(WireGuardError) -> WireGuardPeer? {
        let startMs = now
        let begun = ContinuousClock.now
        let watchedFrom = watcher?.nowMs ?? 0
        onProgress(initiate ? "trying \(endpoint)" : "waiting for the peer's handshake at \(endpoint)")
        var candidate = original
        candidate.endpoint = endpoint
        let baseline = initiate ? nil : original.lastHandshakeNanoseconds
        if initiate {
            let trigger = original.keepalive > 0 ? original.keepalive : Self.triggerKeepalive
            try await interface.apply([WireGuardPeerChange(peer: candidate, recreate: true, triggerKeepalive: trigger)])
        } else {
            candidate.keepalive = 0
            try await interface.apply([WireGuardPeerChange(peer: candidate, recreate: false)])
        }
        var last: WireGuardPeer?
        while ContinuousClock.now < end, !stopping {
            let peer = try await interface.read().peer(original.publicKey)
            last = peer
            if let peer, let shaken = peer.lastHandshakeNanoseconds, shaken > baseline ?? 0 {
                let ms = (ContinuousClock.now - begun).millisecondsDouble.rounded()
                report.attempts.append(.init(endpoint: endpoint.description, outcome: "handshake", detail: "handshake in \(Int(ms)) ms", startMs: startMs, ms: ms, initiations: initiations(peer)))
                report.handshakeMs = now
                return peer
            }
            try? await Task.sleep(for: Self.pollInterval)
        }
        let ms = (ContinuousClock.now - begun).millisecondsDouble.rounded()
        let sent = initiate ? last.map(initiations) ?? 0 : 0
        if !record {
            return nil
        } else if !initiate, !stopping {
            report.attempts.append(.init(endpoint: endpoint.description, outcome: "no-response", detail: "waited; no handshake from the peer", startMs: startMs, ms: ms, initiations: 0))
        } else if stopping {
            report.attempts.append(.init(endpoint: endpoint.description, outcome: "interrupted", detail: "stopped", startMs: startMs, ms: ms, initiations: sent))
        } else if let icmp = watcher?.events(to: endpoint, since: watchedFrom).last {
            let from = icmp.reporter == endpoint.ip ? "" : " from \(icmp.reporter)"
            report.attempts.append(.init(endpoint: endpoint.description, outcome: "icmp", detail: "ICMP \(icmp.reason)\(from)", startMs: startMs, ms: ms, initiations: sent))
        } else if sent == 0 {
            report.attempts.append(.init(endpoint: endpoint.description, outcome: "not-sent", detail: "WireGuard sent no handshake initiation (no route?)", startMs: startMs, ms: ms, initiations: 0))
        } else {
            let plural = sent == 1 ? "initiation" : "initiations"
            report.attempts.append(.init(endpoint: endpoint.description, outcome: "no-response", detail: "\(sent) handshake \(plural), no response", startMs: startMs, ms: ms, initiations: sent))
        }
        return nil
    }

    /// After a handshake: the keepalive as it was (or `--keepalive`), the original endpoint
    /// back with `--restore`, and the probe across the tunnel.
    private func settle(interface: WireGuardInterface, original: WireGuardPeer, winner: WireGuardPeer) async throws(WireGuardError) {
        report.endpoint = winner.endpoint?.description
        report.path = "direct"
        var kept = winner
        kept.keepalive = keepalive(after: original)
        if configuration.restore, let endpoint = original.endpoint {
            kept.endpoint = endpoint
            report.restored = true
        }
        // No re-creation here: the session just made stays.
        try await interface.apply([WireGuardPeerChange(peer: kept, recreate: false)])
        report.outcome = .success
        await probe(allowedIPs: original.allowedIPs)
    }

    /// The keepalive to leave on the peer: `--keepalive`, else its own, else 25 s (with a
    /// warning), since a path through NATs closes when nothing crosses it for about 30 s.
    func keepalive(after original: WireGuardPeer) -> UInt16 {
        if let chosen = configuration.keepalive { return chosen }
        if original.keepalive > 0 { return original.keepalive }
        report.warnings.append("persistent keepalive set to \(Self.triggerKeepalive) s so the NAT mappings of this path stay open")
        return Self.triggerKeepalive
    }

    /// `--probe-ip`: ICMP echoes through the tunnel; none answered fails the run.
    func probe(allowedIPs: [String]) async {
        guard let ip = configuration.probeIP else { return }
        if !allowedIPs.contains(where: { IPPrefix($0)?.contains(ip) == true }) {
            report.warnings.append("--probe-ip \(ip) is outside the peer's allowed IPs (\(allowedIPs.joined(separator: ", "))); the probe will not go through the tunnel")
        }
        let probe = await Blocking.run { TunnelProbe.ping(ip) }
        report.probe = probe
        if probe.received == 0 {
            fail(.failed, "the handshake completed but no ICMP echo to \(ip) came back through the tunnel")
        }
    }

    /// Raw sockets (the ICMP watch, WireGuard's shared port, the tunnel probe) need
    /// CAP_NET_RAW: checked first, so a missing right is one clear error, not a failure half-way.
    static func checkRawSockets() throws(WireGuardError) {
        let fd = socket(AF_INET, Int32(SOCK_RAW.rawValue), Int32(IPPROTO_UDP))
        guard fd >= 0 else {
            if errno == EPERM || errno == EACCES { throw .permission("raw sockets need CAP_NET_RAW; changing WireGuard needs CAP_NET_ADMIN") }
            throw .protocolError("raw socket: \(String(cString: strerror(errno)))")
        }
        close(fd)
    }

    /// Whether this side initiates at once when both run the endpoint list: the one with the
    /// greater public key does, the other waits first, since two initiations that cross
    /// overwrite each other's handshake state and neither completes. Without our private key
    /// (an unreadable interface), a coin decides.
    func leadsHandshakes(device: WireGuardDevice, peer: WireGuardKey) -> Bool {
        guard let ours = device.publicKey else { return Bool.random() }
        return ours.bytes.lexicographicallyPrecedes(peer.bytes) == false
    }

    /// Handshake initiations in the peer's tx counter (initiations and keepalives are all it
    /// sends before a session exists).
    private func initiations(_ peer: WireGuardPeer) -> Int {
        Int(peer.txBytes / Self.initiationBytes)
    }

    /// Each attempt's outcome in a few words, for the failure sentence.
    private var summary: String {
        report.attempts.suffix(max(1, configuration.endpoints.count)).map { "\($0.endpoint): \($0.detail)" }.joined(separator: "; ")
    }

    func fail(_ outcome: PunchOutcome, _ reason: String) {
        report.outcome = outcome
        report.error = reason
        report.path = nil
    }

    private func finish() -> WireGuardPunchReport {
        if let reason = stopRequest.withLockedValue({ $0 }), report.outcome != .success {
            fail(.interrupted, "stopped by \(reason) after \(Int(now)) ms")
        }
        report.durationMs = now
        return report
    }
}
