import ArgumentParser
import Foundation
import NATCore
import NATWire

extension NatCtl {
    /// `natctl punch`: a direct UDP path to a peer behind its own NAT, or the relay.
    struct Punch: AsyncParsableCommand, JSONDocumentCommand {
        static let schema = PunchReport.schema
        var printsJSON: Bool { json }
        var documentSchema: String { wireguard == nil ? Self.schema : WireGuardPunchReport.schema }
        static func schema(arguments: [String]) -> String {
            arguments.contains { $0 == "--wireguard" || $0.hasPrefix("--wireguard=") } ? WireGuardPunchReport.schema : schema
        }

        static let configuration = CommandConfiguration(
            abstract: "Connect two hosts behind NATs: rendezvous by a short code, punch a direct UDP path, or fall back to the relay.",
            discussion: """
                Both hosts run `natctl punch --server S --code CODE`; without --code a fresh code \
                is printed (on stderr) to pass to the other side. The server (`natctl relay \
                serve`) pairs the two by the code's first part, passes each side's candidates \
                (host, server-reflexive, predicted, relayed) and starts both at once. ICE-style \
                checks signed with a key derived from the whole code then look for a direct path: \
                simultaneous open, port prediction against sequential NATs, and the many-ports \
                strategy (birthday paradox) against a random endpoint-dependent NAT. When none \
                works within its share of --timeout, the path goes through the server's TURN \
                relay with credentials the server hands out, and direct checks go on in the \
                background (--duration). Each side then sends --proof datagrams and checks \
                what arrived.

                When UDP to the server gets no answer, rendezvous and the relay go over TCP to \
                the server's port, or failing that over TLS to --tls-port (the certificate \
                checked against --ca or the system's roots; --insecure for labs), and both \
                sides take the relay at once.

                Without a server, --bind PORT --peer IP:PORT (repeatable) checks every listed \
                endpoint from both sides and reports the one that works.

                With --wireguard IFACE the punch works on a running WireGuard interface (kernel \
                WireGuard through `wg`, wireguard-go through its UAPI socket) and its own port: \
                --peer-key KEY --endpoint IP:PORT (repeatable) sets each candidate as the peer's \
                endpoint, makes WireGuard send a handshake initiation at once, and keeps the \
                first at which a handshake completes (--restore puts the old one back). Run on \
                both hosts at once, the two sides' initiations punch through their NATs. \
                With --server and --code instead, both hosts punch from WireGuard's own port \
                (STUN and checks sent through raw sockets while WireGuard keeps running), \
                swap WireGuard keys inside the code-authenticated checks, and hand WireGuard \
                the path; a path WireGuard cannot take from its port (the relay, a many-ports \
                socket) goes through a local forwarder that natctl keeps for --duration \
                seconds (0: until stopped). --probe-ip sends ICMP echoes through the tunnel as \
                proof. Needs root (or CAP_NET_ADMIN and CAP_NET_RAW). Document schema \
                natctl.punch-wireguard/1.

                SIGINT or SIGTERM stops the run: it leaves the rendezvous (so no later peer \
                pairs with it), releases its relay allocation and prints what it got so far.

                Outcomes: SUCCESS, FAILED, TIMEOUT, NO_PEER, WRONG_CODE, SERVER_UNREACHABLE, \
                CODE_IN_USE, INTERRUPTED. Exit status: 0 connected; 1 --require direct but only \
                the relay worked; 2 any other outcome; 130 stopped by a signal; 64 bad flags.

                Examples:
                  natctl punch --server 203.0.113.1:3478
                  natctl punch --server 203.0.113.1:3478 --code 4127-amber-falcon-river --json | jq .path
                  natctl punch --bind 51820 --peer 198.51.100.7:51820 --peer 10.0.0.7:51820
                  natctl punch --server 203.0.113.1:3478 --code 4127-amber-falcon-river --stdio < file
                  natctl punch --wireguard wg0 --peer-key KEY --endpoint 198.51.100.7:51820 --endpoint 10.0.0.7:51820 --probe-ip 10.9.0.2
                  natctl punch --wireguard wg0 --server 203.0.113.1:3478 --code 4127-amber-falcon-river --probe-ip 10.9.0.2
                """
        )

        @Option(name: .long, help: ArgumentHelp("Rendezvous server, host:port (default: first of NATCTL_SERVERS).", valueName: "host:port"))
        var server: String?

        @Option(name: .long, help: ArgumentHelp("The shared code, NAMEPLATE-WORDS (default: a fresh one, printed on stderr).", valueName: "code"))
        var code: String?

        @Option(name: .long, help: ArgumentHelp("Serverless: a peer endpoint to try (repeatable).", valueName: "ip:port"))
        var peer: [String] = []

        @Option(name: .long, help: ArgumentHelp("Local UDP port (default: any; serverless mode needs one the peer knows).", valueName: "port"))
        var bind: UInt16 = 0

        @Option(name: .long, help: ArgumentHelp("Upper bound on the whole run, waiting for the peer included.", valueName: "seconds"))
        var timeout: Double = 30

        @Option(name: .long, help: ArgumentHelp("Exit 1 unless the path is of this kind.", valueName: "direct"))
        var require: String?

        @Option(name: .customLong("tls-port"), help: "The server's TLS port, tried when neither UDP nor TCP to its port gets through.")
        var tlsPort: UInt16 = 5349

        @OptionGroup var trust: TLSTrustOptions

        @Option(name: .long, help: ArgumentHelp("Probe budget of the many-ports strategy; 0 turns it off.", valueName: "count"))
        var maxProbes = 1500

        @Option(name: .long, help: ArgumentHelp("Datagrams each side sends to prove the path.", valueName: "count"))
        var proof = 10

        @Option(name: .long, help: ArgumentHelp("After the proof, keep the path open this long, then prove it again.", valueName: "seconds"))
        var duration: Double = 0

        @Option(name: .long, help: ArgumentHelp("Keepalive interval while the path is open, 0 sends none (default 15); with --wireguard, the peer's persistent keepalive (default: as it was, 25 if off).", valueName: "seconds"))
        var keepalive: Double?

        @Flag(name: .long, help: "Never use the relay.")
        var noRelay = false

        @Flag(name: .long, help: "Skip direct checks and go through the relay.")
        var noDirect = false

        @Flag(name: .long, help: "Map the punch port through the gateway (PCP, NAT-PMP or UPnP) and offer it as a candidate; deleted at the end.")
        var portmap = false

        @Option(name: .long, help: ArgumentHelp("With --portmap: the gateway to ask (IPv4); default: the default route's.", valueName: "ip"))
        var gateway: String?

        @Flag(name: .long, help: "After connecting, send stdin to the peer and write what it sends to stdout.")
        var stdio = false

        @Option(name: .long, help: ArgumentHelp("Work on this running WireGuard interface and its port.", valueName: "iface"))
        var wireguard: String?

        @Option(name: .long, help: ArgumentHelp("With --wireguard: the peer's public key (base64, as `wg` prints it).", valueName: "key"))
        var peerKey: String?

        @Option(name: .long, help: ArgumentHelp("With --wireguard: a candidate endpoint of the peer (repeatable, tried in order).", valueName: "ip:port"))
        var endpoint: [String] = []

        @Option(name: .long, help: ArgumentHelp("With --wireguard: how long each candidate gets.", valueName: "seconds"))
        var attemptTimeout: Double = 2

        @Flag(name: .long, help: "With --wireguard: put the peer's original endpoint back at the end.")
        var restore = false

        @Option(name: .long, help: ArgumentHelp("With --wireguard: after the handshake, ping this tunnel address as proof.", valueName: "ip"))
        var probeIP: String?

        @Option(name: .long, help: ArgumentHelp("With --wireguard and a server: allowed IPs for a peer the interface does not have yet (repeatable).", valueName: "prefix"))
        var allowedIP: [String] = []

        @Option(name: .long, help: ArgumentHelp("With --wireguard: auto (UAPI socket if any, else wg), uapi or wg-tool.", valueName: "how"))
        var wgControl: String = "auto"

        @Flag(name: .long, help: "Print one JSON document (schema natctl.punch/2; natctl.punch-wireguard/1 with --wireguard).")
        var json = false

        func validate() throws {
            if wireguard != nil { return try validateWireGuard() }
            if peerKey != nil || !endpoint.isEmpty || probeIP != nil || restore {
                throw ValidationError("--peer-key, --endpoint, --probe-ip and --restore go with --wireguard IFACE")
            }
            if let server, ServerSpec(parsing: server) == nil { throw ValidationError("--server '\(server)' is not a host:port or [v6]:port") }
            if let bad = peer.first(where: { TransportAddress($0) == nil }) { throw ValidationError("--peer '\(bad)' is not an ip:port or [v6]:port") }
            if let code, PunchCode(code) == nil {
                throw ValidationError("--code '\(code)' must look like NAMEPLATE-WORDS, e.g. 4127-amber-falcon-river (no spaces)")
            }
            if !peer.isEmpty, server != nil { throw ValidationError("give --server (rendezvous) or --peer (serverless), not both") }
            try trust.validate(usesTLS: peer.isEmpty, tlsNeeds: "a rendezvous server (TLS is its last fallback)")
            if !peer.isEmpty, bind == 0 { throw ValidationError("serverless mode (--peer) needs --bind PORT, the port the peer lists") }
            if let require, require != "direct" { throw ValidationError("--require takes 'direct', not '\(require)'") }
            if noRelay, noDirect { throw ValidationError("--no-relay and --no-direct leave nothing to try") }
            if let gateway, IPAddress(gateway)?.family != .ipv4 { throw ValidationError("--gateway '\(gateway)' must be an IPv4 address") }
            if gateway != nil, !portmap { throw ValidationError("--gateway names the gateway --portmap asks; add --portmap") }
            if portmap, !peer.isEmpty { throw ValidationError("--portmap needs the rendezvous server to tell the peer the mapping; serverless --peer runs cannot") }
            guard timeout > 0, timeout <= 3600 else { throw ValidationError("--timeout must be between 0 and 3600 seconds") }
            guard (0...100_000).contains(maxProbes) else { throw ValidationError("--max-probes must be 0 to 100000") }
            guard (1...1000).contains(proof) else { throw ValidationError("--proof must be 1 to 1000") }
            guard duration >= 0, duration <= 3600, (0...3600).contains(keepalive ?? 15) else {
                throw ValidationError("--duration and --keepalive must be 0 to 3600 seconds")
            }
        }

        func run() async throws {
            if wireguard != nil { return try await runWireGuard() }
            let serverAddress = try await resolveServer()
            let generated = code == nil && peer.isEmpty
            let punchCode = code.flatMap(PunchCode.init) ?? (peer.isEmpty ? PunchCode.random() : PunchCode.serverlessDefault)
            if generated {
                Console.error("natctl punch: code \(punchCode) — on the other host run: natctl punch --server \(serverAddress?.description ?? "") --code \(punchCode)")
            }
            var configuration = PunchConfiguration(code: punchCode, server: serverAddress)
            configuration.serverTLS = serverTLS
            configuration.peers = peer.compactMap(TransportAddress.init)
            configuration.bindPort = bind
            configuration.timeout = .milliseconds(Int(timeout * 1000))
            configuration.maxProbes = maxProbes
            configuration.proofCount = proof
            configuration.useRelay = !noRelay
            configuration.useDirect = !noDirect
            configuration.hold = .milliseconds(Int(duration * 1000))
            let keepalive = keepalive ?? 15
            configuration.keepalive = keepalive > 0 ? .milliseconds(Int(keepalive * 1000)) : nil
            configuration.stdio = stdio
            configuration.portMapping = portmap
            configuration.gateway = gateway.flatMap(IPAddress.init)
            // On a terminal: each event, and how long the punch has been at it out of --timeout.
            let line = ProgressLine.start(json: json)
            let started = ContinuousClock.now
            let budget = configuration.timeout
            line?.wait(for: "natctl punch: meeting the peer", budget: budget)
            let session = PunchSession(configuration) { progress in
                line?.note(PunchRendering.progress(progress))
                if case .connected = progress {
                    // Connected: the rest (proof, --duration) is not bounded by --timeout.
                    line?.wait(for: "natctl punch: connected; proving and holding the path")
                } else if let next = Self.waitingFor(after: progress) {
                    line?.wait(for: next, budget: budget, since: started)
                }
            }
            if stdio {
                session.onStream = { bytes in FileHandle.standardOutput.write(Data(bytes)) }
                let input = session.input
                Thread.detachNewThread {
                    while true {
                        let data = FileHandle.standardInput.availableData
                        input(data.isEmpty ? nil : Array(data))
                        if data.isEmpty { return }
                    }
                }
            }
            // SIGINT/SIGTERM stop the session, which leaves the rendezvous and reports what it got.
            let termination = TerminationSignal(limitSeconds: nil)
            let stop = session.stop
            let watcher = Task.detached { stop(await termination.wait()) }
            defer { watcher.cancel() }
            var report = await session.run()
            let failure = Self.failure(report, requireDirect: require == "direct")
            report.failure = failure?.object
            line?.finish()
            if json {
                Console.result(try ReportJSON.encode(report))
            } else if !stdio || report.outcome != .success {
                Console.result(PunchRendering.text(report))
            }
            if let failure { throw failure }
        }

        /// Why the run fails: any outcome but SUCCESS (2, 130 when interrupted), or
        /// `--require direct` when only the relay worked (1).
        static func failure(_ report: PunchReport, requireDirect: Bool) -> CommandFailure? {
            failure(report.outcome, report.error ?? "no path", relayed: report.path == .relayed, requireDirect: requireDirect)
        }

        /// The one mapping of outcomes to exit codes, for punch and `punch --wireguard`.
        static func failure(_ outcome: PunchOutcome, _ reason: String, relayed: Bool, requireDirect: Bool) -> CommandFailure? {
            let message = "punch: \(outcome.rawValue): \(reason)"
            switch outcome {
            case .success:
                guard requireDirect, relayed else { return nil }
                return CommandFailure(.assertionFailed, "punch: --require direct: only the relay worked")
            case .interrupted: return CommandFailure(.interrupted, message)
            case .serverUnreachable: return CommandFailure(.noAnswer, message)
            default: return CommandFailure(.punchFailed, message)
            }
        }

        /// What the punch waits for after an event, for the progress line.
        static func waitingFor(after progress: PunchProgress) -> String? {
            switch progress {
            case .waitingForPeer: "natctl punch: waiting for the peer to join"
            case .paired: "natctl punch: checking paths to the peer"
            case .relayAllocated: "natctl punch: checking paths (the relay is ready as a fallback)"
            case .connected, .warning, .forwarding: nil
            }
        }

        /// The fallback after UDP and TCP: the server's TLS port, its certificate checked against
        /// the name --server (or NATCTL_SERVERS) gives, or its address when given one.
        var serverTLS: (port: UInt16, options: TLSClientOptions) {
            let host = (try? ServerChoice.named(server.map { [$0] } ?? []))?.first?.host
            return (tlsPort, trust.options(host: host))
        }

        /// --server, else the first of NATCTL_SERVERS (which `lab exec` sets); nil in serverless mode.
        private func resolveServer() async throws -> TransportAddress? {
            guard peer.isEmpty else { return nil }
            guard let address = try await ServerChoice.firstNamed(server.map { [$0] } ?? [], limit: .seconds(5)) else {
                throw ValidationError("name a rendezvous server with --server host:port (or set NATCTL_SERVERS), or use --bind and --peer")
            }
            return address
        }
    }
}
