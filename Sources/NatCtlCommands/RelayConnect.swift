import ArgumentParser
import Foundation
import NATCore
import NATWire
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#endif

extension NatCtl.Relay {
    /// `natctl relay connect`: a UDP conversation with one peer through a TURN relay, as a pipe.
    struct Connect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Relay a UDP conversation with one peer through a TURN server: stdin to the peer, the peer to stdout.",
            discussion: """
                Allocates a relay, permits the peer and binds a channel to it, then sends each \
                chunk read from stdin (up to 65000 bytes) as one datagram and writes each \
                datagram from the peer to stdout. The relayed address, which the peer must send \
                to, is printed on stderr. Keeps the allocation, permission and channel refreshed; \
                ends at end of input, SIGINT/SIGTERM or --duration, and then releases the allocation.

                Example:
                  echo hello | natctl relay connect --server 203.0.113.1:3478 --user alice --password secret --peer 198.51.100.7:4000
                """
        )

        @OptionGroup var turn: TURNClientOptions

        @Option(name: .long, help: ArgumentHelp("The peer to talk to, ip:port.", valueName: "ip:port"))
        var peer: String?

        @Option(name: .long, help: ArgumentHelp(
            "Instead of --peer, wait for peers from this IP (repeatable) and answer whoever spoke last, like nc -l.", valueName: "ip"))
        var accept: [String] = []

        @Option(name: .long, help: ArgumentHelp("Stop after this many seconds.", valueName: "seconds"))
        var duration: Double?

        @Option(name: .long, help: ArgumentHelp("After end of input, keep receiving this long.", valueName: "seconds"))
        var linger: Double = 1

        @Option(name: .long, help: ArgumentHelp("Upper bound on each TURN transaction, in seconds.", valueName: "seconds"))
        var timeout: Double = 5

        func validate() throws {
            if let peer, TransportAddress(peer) == nil { throw ValidationError("--peer '\(peer)' is not an ip:port or [v6]:port") }
            if let bad = accept.first(where: { IPAddress($0) == nil }) { throw ValidationError("--accept '\(bad)' is not an IP address") }
            guard (peer == nil) != accept.isEmpty else { throw ValidationError("give either --peer ip:port or --accept ip") }
            if let duration, duration <= 0 { throw ValidationError("--duration must be positive") }
            guard linger >= 0, linger <= 600 else { throw ValidationError("--linger must be 0 to 600 seconds") }
            guard timeout > 0, timeout <= 600 else { throw ValidationError("--timeout must be between 0 and 600 seconds") }
        }

        func run() async throws {
            let termination = TerminationSignal(limitSeconds: duration)
            let limit = Duration.milliseconds(Int(timeout * 1000))
            let named = peer.flatMap(TransportAddress.init)
            let accepted = accept.compactMap(IPAddress.init)
            let client: TURNClient
            do {
                client = try await TURNClient.allocate(
                    server: try await turn.serverAddress(limit: limit), credential: turn.credential, over: turn.connection, limit: limit)
                if let named { try await client.bindChannel(to: named) } else { try await client.createPermission(accepted) }
            } catch let error as TURNClientError {
                if case .transaction(.timedOut) = error { throw CommandFailure(.noAnswer, "relay connect: \(error)") }
                throw CommandFailure(.relayFailed, "relay connect: \(error)")
            }
            let talking = named.map { "talking to \($0)" } ?? "waiting for \(accepted.map(\.description).joined(separator: ", "))"
            Console.error("natctl relay connect: relayed address \(client.relayedAddress) (the peer sends here); \(talking)")
            // With --accept, input goes to whoever spoke last.
            let target = NIOLockedValueBox<TransportAddress?>(named)
            let output = Task {
                for await datagram in client.received {
                    if named == nil { target.withLockedValue { $0 = datagram.peer } } else if datagram.peer != named { continue }
                    FileHandle.standardOutput.write(Data(datagram.data))
                }
            }
            let keepAlive = Task {
                // Refresh the allocation at half its lifetime and the channel (with its
                // permission) every 4 minutes, whichever comes first.
                let period = Duration.seconds(min(Int(client.lifetime) / 2, 240))
                while (try? await Task.sleep(for: max(period, .seconds(1)))) != nil {
                    _ = try? await client.refresh(lifetime: client.lifetime)
                    if let named { _ = try? await client.bindChannel(to: named) } else { try? await client.createPermission(accepted) }
                }
            }
            // read(2) on stdin blocks for the whole conversation: a thread of its own, not one
            // of Swift's cooperative threads (two on a two-core machine).
            let inputEnded = Mailbox<String>()
            Thread.detachNewThread {
                var buffer = [UInt8](repeating: 0, count: 65_000)
                while true {
                    let count = read(STDIN_FILENO, &buffer, buffer.count)
                    if count <= 0 { return inputEnded.push("end of input") }
                    guard let peer = target.withLockedValue({ $0 }) else {
                        Console.error("natctl relay connect: no peer has spoken yet; input dropped")
                        continue
                    }
                    client.send(Array(buffer[0..<count]), to: peer)
                }
            }
            // Whichever ends first: a signal or --duration, or the input (plus --linger).
            let ending = Mailbox<String>()
            Task { ending.push(await termination.wait()) }
            let linger = linger
            Task {
                let reason = await inputEnded.next(within: .seconds(366 * 24 * 3600)) ?? "end of input"
                try? await Task.sleep(for: .milliseconds(Int(linger * 1000)))  // let the last replies arrive
                ending.push(reason)
            }
            let reason = await ending.next(within: .seconds(365 * 24 * 3600)) ?? "done"
            keepAlive.cancel()
            await client.close()
            output.cancel()
            Console.error("natctl relay connect: stopped (\(reason)), allocation released")
        }
    }
}
