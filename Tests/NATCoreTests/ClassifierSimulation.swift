import NATCore
import NATServer
import NATWire

/// Runs `ClassifierMachine` against `SimulatedNAT` and a `BindingResponder` in virtual time,
/// with per-direction loss, delay and jitter (jitter reorders packets).
struct ClassifierSimulation {
    var nat: SimulatedNAT
    var oneWayDelay: Duration = .milliseconds(1)
    var jitter: Duration = .zero
    /// Probability (0–1) that a datagram is lost, each way.
    var loss = 0.0
    var udpBlocked = false
    /// Datagrams sent before this time wait for it (a first exchange held up by ARP or a radio
    /// waking up), then take the usual delay.
    var warmUp: Duration = .zero
    /// Destinations whose datagrams are all lost, and sources that cannot send at all.
    var deadDestinations: Set<TransportAddress> = []
    var silentSources: Set<IPAddress> = []
    /// Datagrams to each destination lost before the first one gets through.
    var firstLost: [TransportAddress: Int] = [:]
    var seed: UInt64 = 1
    /// A server with one address: no OTHER-ADDRESS, 420 to CHANGE-REQUEST.
    var singleAddressServer = false
    /// Further single-address servers (no OTHER-ADDRESS, 420 to CHANGE-REQUEST).
    var extraServers: [TransportAddress] = []
    /// The servers the classifier is given, in order; nil: the RFC 5780 server, then the extras.
    var serverOrder: [TransportAddress]?
    var configure: (inout ClassifierConfiguration) -> Void = { _ in }

    var layout: ServerLayout {
        ServerLayout(
            primary: TransportAddress("203.0.113.1:3478")!,
            alternate: singleAddressServer ? nil : TransportAddress("203.0.113.2:3479")!)
    }

    private enum Delivery {
        case toServer(bytes: [UInt8], from: TransportAddress, to: TransportAddress)
        case toNAT(bytes: [UInt8], from: TransportAddress, toExternalPort: UInt16)
    }

    /// Runs one classification to the end and returns the report.
    func run() -> ClassifierReport {
        var configuration = ClassifierConfiguration(servers: serverOrder ?? [layout.primary] + extraServers, localIPs: [nat.inside])
        configure(&configuration)
        let localPorts = (0..<configuration.socketCount).map { UInt16(40000 + $0) }
        let machine = ClassifierMachine(configuration: configuration, localPorts: localPorts)
        return simulate(machine, localPorts: localPorts).output ?? ClassifierReport(server: "simulation did not finish")
    }

    /// Runs any datagram machine to the end; returns it with the virtual time it took.
    func simulate<Machine: DatagramMachine>(_ start: Machine, localPorts: [UInt16]) -> (output: Machine.Output?, elapsed: Duration) {
        var machine = start
        var nat = self.nat
        var random = SeededGenerator(state: seed)
        let layout = self.layout
        let responder = BindingResponder(layout: layout)
        let extras = extraServers.map { BindingResponder(layout: ServerLayout(primary: $0, alternate: nil)) }
        var queue: [(at: Duration, order: Int, delivery: Delivery)] = []
        var order = 0
        var now = Duration.zero
        var firstLost = self.firstLost

        func schedule(_ delivery: Delivery) {
            guard !udpBlocked, Double.random(in: 0..<1, using: &random) >= loss else { return }
            switch delivery {
            case .toServer(_, _, let to):
                if deadDestinations.contains(to) { return }
                if let left = firstLost[to], left > 0 {
                    firstLost[to] = left - 1
                    return
                }
            case .toNAT(_, let from, _):
                if silentSources.contains(from.ip) { return }
            }
            let spread = jitter == .zero ? Duration.zero : jitter * Double.random(in: -1...1, using: &random)
            order += 1
            queue.append((max(now, warmUp) + max(oneWayDelay + spread, .microseconds(10)), order, delivery))
        }
        func perform(_ actions: [DatagramAction]) {
            for case .send(let socket, let destination, let bytes) in actions {
                let source = nat.outbound(from: localPorts[socket], to: destination, at: now)
                if destination.ip == nat.outside && nat.mapping != nil {
                    // Hairpin: the NAT loops the packet back inside, through its own filter.
                    if nat.hairpin, let local = nat.inbound(from: source, to: destination.port, at: now),
                        let target = localPorts.firstIndex(of: local)
                    {
                        perform(machine.received(bytes, from: source, on: target, at: now))
                    }
                } else {
                    schedule(.toServer(bytes: bytes, from: source, to: destination))
                }
            }
        }

        perform(machine.start(at: now))
        var steps = 0
        while machine.output == nil, steps < 1_000_000 {
            steps += 1
            queue.sort { ($0.at, $0.order) < ($1.at, $1.order) }
            let wakeup = machine.nextWakeup ?? now
            if let first = queue.first, first.at <= wakeup {
                queue.removeFirst()
                now = first.at
                switch first.delivery {
                case .toServer(let bytes, let from, let to):
                    for server in [responder] + extras {
                        guard let role = server.layout.roles.first(where: { server.layout.address(of: $0) == to }),
                            let reply = server.reply(to: bytes, from: from, receivedOn: role)
                        else { continue }
                        schedule(.toNAT(bytes: reply.bytes, from: server.layout.address(of: reply.from), toExternalPort: reply.to.port))
                    }
                case .toNAT(let bytes, let from, let port):
                    guard let local = nat.inbound(from: from, to: port, at: now), let socket = localPorts.firstIndex(of: local) else { continue }
                    perform(machine.received(bytes, from: from, on: socket, at: now))
                }
            } else {
                now = max(now, wakeup)
                perform(machine.tick(at: now))
            }
        }
        return (machine.output, now)
    }
}
