import ArgumentParser
import Libp2pWire
import Dispatch
import Foundation
import NATCore
import NATServer
import NATWire
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#endif

extension NatCtl.Relay {
    /// `natctl relay serve`: a STUN server with RFC 5780 roles, until SIGINT/SIGTERM.
    struct Serve: AsyncParsableCommand, JSONDocumentCommand {
        static let schema = ServeEvent.schema
        var printsJSON: Bool { json }

        static let configuration = CommandConfiguration(
            abstract: "Serve STUN (with RFC 5780 when given an alternate address), dial-back, and a TURN relay when given credentials.",
            discussion: """
                With --alternate, the server listens on four sockets (primary and alternate IP \
                × primary and alternate port), answers CHANGE-REQUEST from the socket it asks \
                for, and advertises OTHER-ADDRESS, so clients can run the RFC 5780 NAT tests. \
                Without it, CHANGE-REQUEST is answered with 420 (Unknown Attribute), as RFC 5780 \
                requires. Port 0 picks a free port.

                Safe on a public address: no answer to an unauthenticated request is more than \
                4 times its size (a padded request gets padding no longer than its own; relayed \
                data of an open --no-auth relay is not an answer, so never run one there), each \
                source IP gets a bounded rate of answers (--stun-rate, --rendezvous-rate, \
                --dial-back-rate), and the relay's state is bounded by quotas that default to \
                limits (--user-quota 64, --ip-quota 32, --total-quota 4096, --max-permissions \
                128, --max-channels 128, --max-allocation-age 86400).

                With --user, --users-file or --static-auth-secret the primary socket is also a \
                TURN relay (RFC 8656, UDP); --no-auth makes an open relay. The relay IP defaults \
                to the --listen IP; a wildcard --listen needs --relay-ip.

                The primary socket also pairs `natctl punch` peers by their code's nameplate \
                (docs/protocol.md). When the relay is on, paired peers get short-lived TURN \
                credentials for falling back to it.

                With --libp2p-listen it is also a libp2p peer over TCP (Noise, yamux): a \
                circuit relay v2 hop, so libp2p nodes behind NATs can reserve a slot and reach \
                each other through it (--circuit-* limits), and an AutoNAT (v1 and v2) server that \
                dials back over a new connection. --libp2p-identity keeps its peer ID in a file \
                (docs/libp2p.md).

                Prints one line when listening (with --json: one JSON object per line, \
                schema natctl.serve/2) and runs until SIGINT or SIGTERM, or for --duration seconds.

                Examples:
                  natctl relay serve --listen 127.0.0.1:3478 --alternate 127.0.0.2:3479
                  natctl relay serve --listen 203.0.113.1:3478 --user alice:secret --realm example.org
                  natctl relay serve --listen 203.0.113.1:3478 --libp2p-listen 4001 --libp2p-identity relay.key
                """
        )

        @Option(name: .long, help: ArgumentHelp("Primary address, ip:port or [v6]:port.", valueName: "ip:port"))
        var listen: String = "0.0.0.0:3478"

        @Option(name: .long, help: ArgumentHelp("Alternate IP and port for RFC 5780 (a different IP and port).", valueName: "ip:port"))
        var alternate: String?

        @Option(name: .long, help: "SOFTWARE attribute to send; empty to send none.")
        var software: String = "natctl \(NatCtl.version)"

        @Option(name: .long, help: ArgumentHelp("Stop after this many seconds (default: run until a signal).", valueName: "seconds"))
        var duration: Double?

        @Flag(name: .long, help: "Print JSON lines instead of text.")
        var json = false

        @OptionGroup(title: "TURN relay (RFC 8656)")
        var turn: TURNServerOptions

        @OptionGroup(title: "TCP and TLS (RFC 8489 §6.2)")
        var streams: StreamServerOptions

        @OptionGroup(title: "Rate limits per source IP")
        var limits: AnswerRateOptions

        @OptionGroup(title: "libp2p circuit relay v2 (docs/libp2p.md)")
        var libp2p: Libp2pRelayOptions

        func validate() throws {
            let layout = try layout()
            _ = try turn.configuration(listenIP: layout.primary.ip)
            if let duration, duration <= 0 { throw ValidationError("--duration must be positive") }
        }

        func layout() throws -> ServerLayout {
            guard let primary = TransportAddress(listen) else {
                throw ValidationError("--listen '\(listen)' is not an ip:port or [v6]:port")
            }
            guard let alternate else { return ServerLayout(primary: primary) }
            guard let other = TransportAddress(alternate) else {
                throw ValidationError("--alternate '\(alternate)' is not an ip:port or [v6]:port")
            }
            guard other.ip != primary.ip, other.ip.family == primary.ip.family else {
                throw ValidationError("--alternate must have a different IP of the same family as --listen")
            }
            guard other.port != primary.port || other.port == 0 else {
                throw ValidationError("--alternate must use a different port than --listen (RFC 5780 §4.1)")
            }
            return ServerLayout(primary: primary, alternate: other)
        }

        func run() async throws {
            // Catch signals before announcing readiness, so a SIGTERM right after the
            // "listening" line still shuts down cleanly.
            let termination = TerminationSignal(limitSeconds: duration)
            let layout = try layout()
            var relay = try turn.configuration(listenIP: layout.primary.ip)
            let relayThreads = try turn.threads()
            let rendezvous = Self.rendezvous(relay: &relay)
            let server: STUNServer
            let json = json
            do {
                server = try await STUNServer.start(
                    layout, software: software.isEmpty ? nil : software, turn: relay, relayThreads: relayThreads, rendezvous: rendezvous,
                    rates: limits.rates, streams: streams.configuration,
                    onTURNEvent: { event in Self.print(ServeEvent(event), json: json) })
            } catch ServerError.tls(let reason) {
                throw CommandFailure(.badFile, "relay serve: \(reason)")
            } catch ServerError.bindFailed(let address, let reason) {
                throw CommandFailure.socket(ServerError.bindFailed(address, reason: reason), address: address.description, what: "listen on")
            } catch {
                throw CommandFailure.socket(error, address: layout.addresses.map(\.description).joined(separator: ", "), what: "listen on")
            }
            let hop: Libp2pHost?
            do {
                hop = try await startCircuitRelay(besides: layout.primary, json: json)
            } catch {
                await server.stop()
                throw error
            }
            var listening = ServeEvent(event: "listening")
            listening.libp2p = hop.map { "\($0.multiaddr)" }
            listening.addresses = server.layout.addresses.map(\.description)
            listening.rfc5780 = server.layout.alternate != nil
            listening.turn = relay?.summary
            listening.tcp = server.streams.tcp?.description
            listening.tls = server.streams.tls?.description
            Self.print(listening, json: json)
            let reason = await termination.wait()
            await hop?.stop()
            await server.stop()
            var stopped = ServeEvent(event: "stopped")
            stopped.reason = reason
            Self.print(stopped, json: json)
        }

        /// The libp2p host with the circuit relay hop, when --libp2p-listen asks for it.
        private func startCircuitRelay(besides primary: TransportAddress, json: Bool) async throws -> Libp2pHost? {
            guard let address = libp2p.address(besides: primary) else { return nil }
            let identity: Libp2pIdentity
            do {
                identity = try libp2p.identityFile.map { path throws(Libp2pIdentityFile.Failure) in try Libp2pIdentityFile.load(path) } ?? Libp2pIdentity()
            } catch {
                throw CommandFailure(.badFile, "relay serve: \(error)")
            }
            let relay = CircuitRelayService(libp2p.configuration) { event in Self.print(ServeEvent(event), json: json) }
            let autonat = AutoNATService { event in Self.print(ServeEvent(event), json: json) }
            do {
                let host = try await Libp2pHost.start(
                    listen: address, identity: identity, agentVersion: "natctl/\(NatCtl.version)",
                    handlers: autonat.handlers.merging([CircuitRelay.hopProtocol: relay.handler]) { first, _ in first })
                relay.attach(to: host)
                autonat.attach(to: host)
                return host
            } catch {
                throw CommandFailure.socket(error, address: address.description, what: "listen on")
            }
        }

        /// Rendezvous for `natctl punch` is always on. With a relay that checks credentials, a
        /// random per-process secret joins its shared secrets, and paired peers get short-lived
        /// credentials under it: falling back to the relay needs no flags on either side.
        private static func rendezvous(relay: inout TURNConfiguration?) -> RendezvousConfiguration {
            guard var configured = relay else { return RendezvousConfiguration(relaySecret: nil, offersRelay: false) }
            guard !configured.credentials.open else { return RendezvousConfiguration(relaySecret: nil, offersRelay: true) }
            var generator = SystemRandomNumberGenerator()
            let secret = Data((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }).base64EncodedString()
            configured.credentials.sharedSecrets.append(secret)
            relay = configured
            return RendezvousConfiguration(relaySecret: secret, offersRelay: true)
        }

        private static func print(_ event: ServeEvent, json: Bool) {
            guard json else {
                if event.event == "listening" {
                    let mode = event.rfc5780 == true ? "RFC 5780" : "no alternate address, CHANGE-REQUEST gets 420"
                    let relay = event.turn.map { "; TURN relay on \($0.relayIP), realm \($0.realm), auth: \($0.auth)" }
                        ?? "; no TURN (give --user, --static-auth-secret or --no-auth)"
                    let streams = [event.tcp.map { "TCP \($0)" }, event.tls.map { "TLS \($0)" }].compactMap { $0 }
                    let over = streams.isEmpty ? "" : "; also over \(streams.joined(separator: " and "))"
                    let hop = event.libp2p.map { "; libp2p circuit relay v2 and AutoNAT on \($0)" } ?? ""
                    return Console.result(
                        "natctl relay serve: STUN listening on \((event.addresses ?? []).joined(separator: ", ")) (\(mode))\(over)\(relay)\(hop)")
                }
                if event.event == "stopped" { return Console.result("natctl relay serve: stopped (\(event.reason ?? ""))") }
                return Console.result(event.text)
            }
            if let line = try? ReportJSON.encodeLine(event) { Console.result(line) }
        }
    }
}
