import NATWire

extension WireGuardPunch {
    enum RendezvousEvent: Sendable {
        case paired(controlling: Bool)
        case connected(CandidatePair)
        case forwarding(local: TransportAddress, peerKey: WireGuardKey?)
        case finished(PunchReport)
    }

    /// Rendezvous mode: a punch run on WireGuard's own port (so its checks open the mappings
    /// WireGuard will use), then the handshake on the path it found. WireGuard's port path is
    /// handed over and natctl ends; the relay or a many-ports socket stays carried by natctl's
    /// forwarder until `--duration` ends or natctl is stopped.
    func runRendezvous(_ interface: WireGuardInterface, _ device: WireGuardDevice, punch base: PunchConfiguration) async throws(WireGuardError) {
        report.mode = "rendezvous"
        report.server = base.server?.description
        guard let ourKey = device.publicKey else { throw .protocolError("\(configuration.interface) has no private key natctl can read (set one: wg set \(configuration.interface) private-key FILE)") }
        var punch = base
        punch.wireGuardPort = device.listenPort
        punch.wireGuardKey = ourKey
        punch.wireGuardMark = device.fwmark
        punch.ipv6 = false
        punch.excludedInterfaces = WireGuardInterface.allNames().union([configuration.interface])
        let (events, sink) = AsyncStream<RendezvousEvent>.makeStream()
        let onProgress = onProgress
        let session = PunchSession(punch) { progress in
            switch progress {
            case .connected(let pair): sink.yield(.connected(pair))
            case .forwarding(let local, let key): sink.yield(.forwarding(local: local, peerKey: key))
            case .waitingForPeer(let nameplate): onProgress("registered nameplate \(nameplate); waiting for the peer")
            case .paired(let strategy, let controlling):
                sink.yield(.paired(controlling: controlling))
                onProgress("paired (\(controlling ? "controlling" : "controlled")); strategy \(strategy.rawValue)")
            case .relayAllocated(let address): onProgress("relay allocated at \(address)")
            case .warning(let text): onProgress("warning: \(text)")
            }
        }
        let stopSession = session.stop
        stopPunch.withLockedValue { $0 = stopSession }
        if let reason = stopRequest.withLockedValue({ $0 }) { stopSession(reason) }
        let runner = Task {
            sink.yield(.finished(await session.run()))
            sink.finish()
        }
        defer { runner.cancel() }
        var pair: CandidatePair?
        var forwarded = false
        var controlling = true
        /// The peer as it was before a forwarded handshake, to put back when the forwarder ends.
        var handedOver: WireGuardPeer?
        // A WireGuard error half-way stops the punch, and the loop drains to `.finished`, so
        // the session still releases its allocation and the endpoint is still put back.
        var failure: WireGuardError?
        for await event in events {
            do throws(WireGuardError) {
                switch event {
                case .paired(let role):
                    controlling = role
                case .connected(let selected):
                    pair = selected
                    onProgress("punched: \(selected)")
                case .forwarding(let local, let peerKey):
                    guard failure == nil else { continue }
                    forwarded = true
                    report.forwarder = local.description
                    report.path = pair?.path.isDirect == false ? "relayed" : "direct"
                    report.punchPath = pair?.path.rawValue
                    guard let key = try acceptedKey(peerKey) else {
                        stopSession("the peer sent no WireGuard key")
                        continue
                    }
                    onProgress("WireGuard goes through the forwarder at \(local)")
                    handedOver = try await peerToPutBack(key, on: interface)
                    if try await handshake(interface, peerKey: key, endpoint: local, controlling: controlling), report.outcome == .success {
                        if punch.hold == .zero { onProgress("forwarding until stopped (SIGINT or SIGTERM)") }
                    } else {
                        stopSession(report.outcome == .success ? "no WireGuard handshake through the forwarder" : report.error ?? "the tunnel failed")
                    }
                case .finished(let punched):
                    absorb(punched)
                    if forwarded {
                        await putBack(handedOver, on: interface)
                        if stopping, report.outcome == .success {
                            // Stopping the forwarder on request is how a forwarded run without --duration ends.
                            report.warnings.append("the forwarder stopped (\(stopRequest.withLockedValue { $0 } ?? "signal")); WireGuard's path through it is gone")
                            stopRequest.withLockedValue { $0 = nil }
                        }
                        break
                    }
                    guard failure == nil else { break }
                    guard punched.outcome == .success, let remote = punched.remote.flatMap(TransportAddress.init) else {
                        fail(punched.outcome, punched.error ?? "the punch found no path")
                        break
                    }
                    report.path = "direct"
                    report.punchPath = punched.path?.rawValue
                    guard let key = try acceptedKey(punched.peerWireGuardKey) else { break }
                    let before = try await peerToPutBack(key, on: interface)
                    do {
                        // Without a handshake, the peer is not left on the punched endpoint.
                        let shaken = try await handshake(interface, peerKey: key, endpoint: remote, controlling: controlling)
                        if !shaken { await putBack(before, on: interface) }
                    } catch {
                        await putBack(before, on: interface)
                        throw error
                    }
                }
            } catch {
                failure = failure ?? error
                stopSession("WireGuard: \(error)")
            }
        }
        if let failure { throw failure }
    }

    /// The peer as it is before natctl changes it, to put back later; a peer natctl is about
    /// to add comes back without an endpoint (its `--allowed-ip` kept).
    private func peerToPutBack(_ key: WireGuardKey, on interface: WireGuardInterface) async throws(WireGuardError) -> WireGuardPeer {
        if let existing = try await interface.read().peer(key) { return existing }
        var added = WireGuardPeer(publicKey: key)
        added.allowedIPs = configuration.allowedIPs
        return added
    }

    /// The forwarder is gone with the run, or a direct path got no handshake: WireGuard gets the
    /// peer's old endpoint back (a peer natctl added, or one without an endpoint, is re-created
    /// without one).
    private func putBack(_ original: WireGuardPeer?, on interface: WireGuardInterface) async {
        guard let original else { return }
        do {
            try await interface.apply([WireGuardPeerChange(peer: original, recreate: original.endpoint == nil)])
            report.restored = true
        } catch {
            report.warnings.append("could not put back peer \(original.publicKey.short)'s endpoint \(original.endpoint?.description ?? "(none)"); it still points at the stopped forwarder: \(error)")
        }
    }

    /// The peer's key as its authenticated PunchData carried it, checked against `--peer-key`.
    private func acceptedKey(_ key: WireGuardKey?) throws(WireGuardError) -> WireGuardKey? {
        guard let key else {
            fail(.failed, "the peer sent no WireGuard key; is it running natctl punch --wireguard too?")
            return nil
        }
        report.peer = key.short
        if let expected = configuration.peerKey, expected != key {
            fail(.failed, "the peer's WireGuard key \(key.short) is not --peer-key \(expected.short)")
            return nil
        }
        return key
    }

    /// The punch's findings in the WireGuard report.
    private func absorb(_ punched: PunchReport) {
        report.strategy = punched.strategy?.rawValue
        report.publicMapping = punched.reflexive?.description
        report.warnings += punched.warnings
    }

    /// Sets `endpoint` for the peer (adding the peer with `--allowed-ip` if the interface does
    /// not know it) and gets a handshake. The punch's controlling side makes WireGuard
    /// initiate, again every second (the peer may not have our endpoint or key yet); the
    /// controlled side waits for that, and initiates itself only after `passiveWait`, at other
    /// moments than the controlling side's. True once shaken.
    func handshake(_ interface: WireGuardInterface, peerKey: WireGuardKey, endpoint: TransportAddress, controlling: Bool) async throws(WireGuardError) -> Bool {
        let device = try await interface.read()
        var peer = device.peer(peerKey) ?? WireGuardPeer(publicKey: peerKey)
        if device.peer(peerKey) == nil {
            peer.allowedIPs = configuration.allowedIPs
            report.warnings.append("added peer \(peerKey.short) to \(configuration.interface)" + (peer.allowedIPs.isEmpty ? " without allowed IPs (--allowed-ip): the tunnel carries nothing to it" : ""))
        }
        report.originalEndpoint = peer.endpoint?.description
        let original = peer
        let deadline = ContinuousClock.now + Self.handshakeBudget
        var initiate = controlling
        while ContinuousClock.now < deadline, !stopping {
            let period: Duration = initiate ? (controlling ? .seconds(1) : .milliseconds(1500)) : Self.passiveWait
            let shaken = try await attempt(
                endpoint, until: min(deadline, ContinuousClock.now + period), interface: interface, original: original, watcher: nil, initiate: initiate)
            initiate = true
            if let shaken {
                var kept = shaken
                kept.keepalive = keepalive(after: original)
                try await interface.apply([WireGuardPeerChange(peer: kept, recreate: false)])
                report.endpoint = shaken.endpoint?.description
                report.outcome = .success
                report.error = nil
                await probe(allowedIPs: kept.allowedIPs)
                return true
            }
        }
        fail(stopping ? .interrupted : .failed, "the punch found a path (\(endpoint)) but WireGuard completed no handshake on it within \(Self.handshakeBudget.milliseconds / 1000) s")
        return false
    }

    /// After the punch, the handshake gets this long (WireGuard itself would retry every 5 s).
    static let handshakeBudget: Duration = .seconds(10)
    /// How long the controlled side waits for the controlling side's initiation.
    static let passiveWait: Duration = .milliseconds(2500)
}
