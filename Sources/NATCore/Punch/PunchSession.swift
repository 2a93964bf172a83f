import NATWire
import NIOConcurrencyHelpers
import NIOCore

/// One run of `natctl punch`: rendezvous (or a serverless endpoint list), ICE-style checks
/// with the hard-NAT strategies, relay fallback, proof of the path, and an optional hold with
/// keepalives. All state lives in this object and is touched only by `run()`'s task; sockets
/// and helper tasks talk to it through one mailbox.
public final class PunchSession {
    let configuration: PunchConfiguration
    let onProgress: @Sendable (PunchProgress) -> Void
    let mailbox = Mailbox<PunchInbound>()
    let started = ContinuousClock.now
    let session = UInt64.random(in: 1...UInt64.max)
    var report = PunchReport()
    let stopRequest = NIOLockedValueBox<(at: Int64, reason: String)?>(nil)

    /// Sockets by index: 0 the main one (the server's family), 1 the other family, then many-ports ones.
    var sockets: [STUNTransport?] = []
    var relayInbound: RelayInbound?
    /// A TCP connection to the server, when UDP to it got no answer: rendezvous and the relay
    /// then go over it (`PunchSession+Stream`).
    var serverLink: STUNTransport?
    /// How `serverLink` reaches the server (TCP to its port, or TLS to its TLS port): the relay
    /// allocation opens a connection of its own the same way.
    var serverLinkRoute: (transport: ServerTransport, address: TransportAddress)?
    var turn: TURNClient?
    var relayForwarder: Task<Void, Never>?
    var checklist: PunchChecklist

    var localCandidates: [PunchCandidate] = []
    /// The gateway mapping of the main socket (`portMapping`), deleted in `finish()`.
    var gatewayMappings: GatewayMappings?
    /// This host's interface addresses, read once.
    var hostAddresses: Set<IPAddress> = []
    var hint: MappingHint?
    var peer = PeerState()
    /// Datagrams from the peer that came before the server told us about it.
    var early: [PunchInbound] = []
    var strategy = PunchStrategy.simultaneousOpen
    /// When both sides send their first check (ms), and when the relay may be nominated.
    var checkStart: Int64 = 0
    var relayAt: Int64 = .max
    var relayFailed = false
    /// When a held relayed path next refreshes its allocation and channel (ms; 0: not yet planned).
    var nextRelayRefresh: Int64 = 0
    var manyPortsStarted = false
    /// The probing side's many-ports probes (`startManyPorts`).
    var manyPortsProbes: ManyPortsProbes?
    /// Peer addresses a low-TTL priming packet went to (`prime`).
    var primed: Set<TransportAddress> = []
    /// Proof datagrams received per round, and what the peer said it received per round.
    var proofReceived: [UInt32: Set<UInt32>] = [:]
    var peerReceived: [UInt32: UInt32] = [:]
    /// Application bytes from the peer (`--stdio`), and whether it said goodbye.
    public var onStream: (@Sendable ([UInt8]) -> Void)?
    var peerLeft = false
    /// stdin chunks waiting to be sent (nil marks the end of input).
    var pendingInput: [[UInt8]?] = []

    /// Where the CLI hands stdin chunks for `--stdio` (nil at end of input); safe from any thread.
    public var input: @Sendable ([UInt8]?) -> Void { { [mailbox] chunk in mailbox.push(.input(chunk)) } }

    /// `--wireguard`: the forwarder socket WireGuard sends the peer's datagrams to.
    var forwarder: STUNTransport?

    struct PeerState {
        var candidates: [PunchCandidate] = []
        var wireGuardKey: WireGuardKey?
        var mapping: PunchMapping?
        var credential: PunchRelayCredential?
        var paired = false
    }

    public init(_ configuration: PunchConfiguration, onProgress: @escaping @Sendable (PunchProgress) -> Void = { _ in }) {
        self.configuration = configuration
        self.onProgress = onProgress
        checklist = PunchChecklist(
            key: configuration.code.checkKey, controlling: true, tieBreaker: .random(in: 0...UInt64.max), relayNominationAt: .max,
            upgradeUntil: 0)
    }

    /// Milliseconds since the run began.
    var now: Int64 { Int64((ContinuousClock.now - started).milliseconds) }
    /// `--timeout`, or the moment `stop` was called: every loop of the run ends there.
    var deadline: Int64 { min(Int64(configuration.timeout.milliseconds), stopRequest.withLockedValue { $0?.at } ?? .max) }
    /// Whether `stop` was called.
    var stopping: Bool { stopRequest.withLockedValue { $0 != nil } }

    /// Ends the run early from any thread (the CLI calls it on SIGINT/SIGTERM): the session
    /// stops trying, leaves the rendezvous so no later peer pairs with it, releases its
    /// allocation and reports what it got as far as (outcome INTERRUPTED unless proven).
    public var stop: @Sendable (_ reason: String) -> Void {
        { [stopRequest, started, mailbox] reason in
            let at = Int64((ContinuousClock.now - started).milliseconds)
            stopRequest.withLockedValue { if $0 == nil { $0 = (at, reason) } }
            mailbox.push(.wake)
        }
    }

    /// Runs to the end and reports; never throws, every failure is an outcome.
    public func run() async -> PunchReport {
        report.server = configuration.server?.description
        report.serverTransport = configuration.server == nil ? nil : "udp"
        report.nameplate = configuration.server == nil ? nil : configuration.code.nameplate
        do {
            try await openSockets()
            if configuration.server != nil {
                guard try await rendezvous() else { return await finish() }
            } else {
                startServerless()
            }
            guard await connect() else { return await finish() }
            report.proof = await prove(round: 0)
            guard report.proof?.verified == true else {
                fail(.failed, "checks succeeded but the proof datagrams did not get through both ways")
                return await finish()
            }
            report.outcome = .success
            report.peerWireGuardKey = peer.wireGuardKey
            if configuration.wireGuardPort != nil {
                await forwardWireGuard()
                return await finish()
            }
            if configuration.stdio { await pipe() }
            if configuration.hold > .zero, !stopping {
                await hold()
                if !stopping { report.proofAfterHold = await prove(round: 1) }
                if !stopping, report.proofAfterHold?.verified != true {
                    fail(.failed, "the path stopped working while held open; a NAT mapping likely expired (try a shorter --keepalive)")
                }
            }
        } catch let error as PunchSetupError {
            fail(error.outcome, error.description)
        } catch {
            fail(.failed, "\(error)")
        }
        return await finish()
    }

    /// Ends the run with a failure: no path is reported, whatever was selected.
    func fail(_ outcome: PunchOutcome, _ reason: String) {
        report.outcome = outcome
        report.error = reason
        report.path = nil
    }

    /// Fills in the counters, leaves the rendezvous, releases the allocation and closes every socket.
    private func finish() async -> PunchReport {
        // Outcomes the collapsed deadline causes become INTERRUPTED; a WRONG_CODE or
        // CODE_IN_USE found before the signal stays what it was.
        if let reason = stopRequest.withLockedValue({ $0?.reason }), [.failed, .timeout, .noPeer].contains(report.outcome) {
            fail(.interrupted, "stopped by \(reason) after \(now) ms")
        }
        leaveRendezvous()
        await releaseGatewayMapping()
        report.packets.checksSent = checklist.checksSent
        report.packets.probesSent = manyPortsProbes?.sent ?? 0
        report.packets.authenticationFailures = checklist.authenticationFailures
        report.upgraded = checklist.upgraded
        relayForwarder?.cancel()
        await forwarder?.close()
        await turn?.close()
        await serverLink?.close()
        for socket in sockets { await socket?.close() }
        report.durationMs = (ContinuousClock.now - started).millisecondsDouble
        return report
    }

    // MARK: Sockets

    /// Opens the main socket and, when the host has addresses of the other family, a second
    /// one; `sockets` always has two slots before the many-ports sockets.
    private func openSockets() async throws {
        defer { while sockets.count < 2 { sockets.append(nil) } }
        let mainFamily = configuration.server?.ip.family ?? configuration.peers.first?.ip.family ?? .ipv4
        hostAddresses = LocalInterfaces.addresses(excluding: configuration.excludedInterfaces)
        let hosts = HostCandidates.addresses(hostAddresses)
        let families = [mainFamily] + (configuration.ipv6 || mainFamily == .ipv6 ? [mainFamily == .ipv4 ? .ipv6 : .ipv4] : [])
        if let server = configuration.server { relayInbound = RelayInbound(server: server) }
        for (index, family) in families.enumerated() {
            let wanted = index == 0 || hosts.contains { $0.family == family } || configuration.peers.contains { $0.ip.family == family }
            guard wanted else {
                sockets.append(nil)
                continue
            }
            let address = TransportAddress(ip: .unspecified(family), port: configuration.bindPort)
            // WireGuard's shared port fails with its own reason (no CAP_NET_RAW, no packet sockets).
            let socket = index == 0 && configuration.wireGuardPort != nil
                ? try await bindSocket(address, base: .socket(index)) : try? await bindSocket(address, base: .socket(index))
            if index == 0, socket == nil {
                throw PunchSetupError.bind("cannot bind UDP port \(configuration.bindPort) (\(family)); is it in use?")
            }
            sockets.append(socket)
            if let socket {
                for ip in hosts where ip.family == family {
                    localCandidates.append(PunchCandidate(.host, TransportAddress(ip: ip, port: socket.localAddress.port)))
                }
            }
        }
    }

    /// Binds one socket whose unmatched datagrams go to the mailbox (relayed data on the main
    /// socket goes to the TURN client first).
    func bindSocket(_ address: TransportAddress, base: PunchBase) async throws -> STUNTransport {
        let mailbox = mailbox
        let relay = base == .socket(0) ? relayInbound : nil
        let deliver: @Sendable (AddressedEnvelope<ByteBuffer>) -> Void = { envelope in
            if relay?.deliver(envelope) == true { return }
            guard let from = TransportAddress(envelope.remoteAddress) else { return }
            mailbox.push(.datagram(base, from, Array(envelope.data.readableBytesView)))
        }
        if base == .socket(0), let port = configuration.wireGuardPort {
            do {
                return try await STUNTransport.sharingPort(port, family: address.ip.family, mark: configuration.wireGuardMark, onUnmatched: deliver)
            } catch let error as WireGuardError {
                throw PunchSetupError.bind("cannot share WireGuard's port \(port): \(error)")
            }
        }
        return try await STUNTransport.bind(address, ipv6Only: address.ip.family == .ipv6, onUnmatched: deliver)
    }

    func send(_ out: PunchOutgoing) {
        switch out.base {
        case .socket(let index): if index < sockets.count { sockets[index]?.send(out.bytes, to: out.to) }
        case .relay: turn?.send(out.bytes, to: out.to)
        }
    }

    /// A keepalive on the selected path: a STUN Binding indication (RFC 8445 §11), which
    /// needs no answer.
    func sendKeepalive() {
        guard let pair = checklist.selected else { return }
        let keepalive = STUNMessage(type: STUNMessageType(method: .binding, messageClass: .indication))
        send(PunchOutgoing(base: pair.base, to: pair.remote, bytes: keepalive.encoded(fingerprint: true)))
        report.keepalivesSent += 1
    }

    /// Which of our sockets talks to `family`.
    func base(for family: IPAddress.Family) -> PunchBase? {
        sockets.indices.first { index in sockets[index]?.localAddress.ip.family == family && index < 2 }.map(PunchBase.socket)
    }

    /// The local address a base stands for, for the report.
    func describe(_ base: PunchBase) -> String {
        switch base {
        case .socket(let index): (index < sockets.count ? sockets[index]?.localAddress.description : nil) ?? "\(base)"
        case .relay: turn?.relayedAddress.description ?? "relay"
        }
    }
}

/// Why a punch run could not even start or pair.
enum PunchSetupError: Error, CustomStringConvertible {
    case bind(String)
    case server(PunchOutcome, String)

    var outcome: PunchOutcome {
        switch self {
        case .bind: .failed
        case .server(let outcome, _): outcome
        }
    }

    var description: String {
        switch self {
        case .bind(let reason), .server(_, let reason): reason
        }
    }
}
