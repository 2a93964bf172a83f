import NATWire
import NIOCore
import NIOPosix

/// The SSDP half of discovery: M-SEARCH for IGD:1 and IGD:2 goes to the gateway (unicast) and
/// to the multicast group, repeated at `schedule` offsets because UDP and busy routers drop
/// packets, and the first usable answer wins.
///
/// Each destination gets its own UDP socket on one event loop: NIO closes a datagram channel
/// on any send error, so one socket would let a host without a multicast route (or a firewall
/// refusing multicast) silence the unicast search too. Answers come back to the socket that
/// asked, and all sockets report to one `SSDPSearchState`.
enum SSDPSearch {
    /// When each round of M-SEARCHes goes out, from the start.
    static let schedule: [Duration] = [.zero, .milliseconds(250), .milliseconds(750)]
    /// How long an answer from another address waits for the gateway's own.
    static let otherAnswerGrace: Duration = .milliseconds(300)

    struct Answer: Sendable {
        var response: SSDPResponse
        var source: IPAddress
    }

    static func firstAnswer(
        gateway: IPAddress, destinations: [TransportAddress], deadline: ContinuousClock.Instant,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws(PortMapError) -> Answer {
        let remaining = try UPnPDeadline.remaining(until: deadline, doing: "the SSDP search")
        let loop = group.next()
        let promise = loop.makePromise(of: Answer?.self)
        let state = try await loop.submit {
            NIOLoopBound(SSDPSearchState(gateway: gateway, promise: promise, grace: otherAnswerGrace.timeAmount), eventLoop: loop)
        }.get(orThrow: "cannot start the SSDP search")
        var channels: [(channel: any Channel, destination: TransportAddress)] = []
        var failures: [String] = []
        for destination in destinations {
            do {
                channels.append((try await searchSocket(toward: destination, state: state, on: loop), destination))
            } catch {
                failures.append("\(destination): \(error)")
            }
        }
        guard !channels.isEmpty else {
            promise.succeed(nil)
            throw PortMapError(.io, "cannot open a UDP socket for SSDP: \(failures.joined(separator: "; "))")
        }
        // Only once every socket is open (and counted): an early send error must not look like
        // the last socket closing.
        for (channel, destination) in channels {
            scheduleSearches(on: channel, toward: destination, state: state, remaining: remaining)
        }
        let timeUp = loop.scheduleTask(in: remaining.timeAmount) { state.value.finish(state.value.fallback) }
        defer {
            timeUp.cancel()
            for (channel, _) in channels { channel.close(promise: nil) }
        }
        let answer: Answer?
        do {
            answer = try await withTaskCancellationHandler {
                try await promise.futureResult.get()
            } onCancel: {
                loop.execute { state.value.finish(nil) }
            }
        } catch {
            throw PortMapError(.io, "SSDP search failed: \(error)")
        }
        guard let answer else {
            let sent = destinations.map(\.description).joined(separator: ", ")
            let errors = try? await loop.submit { state.value.sendErrors }.get()
            let why = (errors ?? []).isEmpty ? "" : " (sending failed: \((errors ?? []).joined(separator: "; ")))"
            throw PortMapError(.noAnswer, "no UPnP Internet Gateway Device answered an SSDP search sent to \(sent)\(why)")
        }
        return answer
    }

    /// A socket of the destination's family, its handler reporting to `state`.
    private static func searchSocket(
        toward destination: TransportAddress, state: NIOLoopBound<SSDPSearchState>, on loop: any EventLoop
    ) async throws -> any Channel {
        var bootstrap = DatagramBootstrap(group: loop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(SSDPAnswerCollector(state: state.value, destination: destination))
                }
            }
        // Two hops lets the search cross one bridge or repeater (UDA 1.1 §1.1.2 suggests 2).
        if destination.ip.family == .ipv4 {
            bootstrap = bootstrap.channelOption(ChannelOptions.Types.SocketOption(level: .ip, name: .ip_multicast_ttl), value: 2)
        }
        return try await bootstrap.bind(host: destination.ip.family == .ipv4 ? "0.0.0.0" : "::", port: 0).get()
    }

    /// Every round of M-SEARCHes (one per search target) to `destination`.
    private static func scheduleSearches(
        on channel: any Channel, toward destination: TransportAddress, state: NIOLoopBound<SSDPSearchState>, remaining: Duration
    ) {
        guard let target = try? destination.socketAddress else { return }
        let requests = SSDP.gatewaySearchTargets.map { SSDP.searchRequest(searchTarget: $0) }
        let loop = channel.eventLoop
        for offset in schedule where offset < remaining {
            loop.scheduleTask(in: offset.timeAmount) {
                guard channel.isActive else { return }
                for request in requests {
                    // A failed send closes the socket without an errorCaught: the write's own
                    // future is where its error shows.
                    let written = loop.makePromise(of: Void.self)
                    written.futureResult.whenFailure { state.value.sendFailed(toward: destination, $0) }
                    channel.write(AddressedEnvelope(remoteAddress: target, data: ByteBuffer(bytes: request)), promise: written)
                }
                channel.flush()
            }
        }
    }
}

extension EventLoopFuture where Value: Sendable {
    /// `get()` with its error turned into a `PortMapError(.io)`.
    fileprivate func get(orThrow message: String) async throws(PortMapError) -> Value {
        do { return try await get() } catch { throw PortMapError(.io, "\(message): \(error)") }
    }
}
