import NATWire

/// Measures how long the NAT keeps an idle UDP mapping (RFC 5780 §4.6), without I/O.
///
/// Each probe opens a mapping from its own socket X with one Binding request, leaves it idle
/// for a chosen wait, then asks the server from the shared socket Y to answer to X's mapped
/// port (RESPONSE-PORT). The answer reaches X only while the mapping lives. Probes run in
/// parallel: a first wave at waits spread geometrically over the budget, then, once a mapping
/// is found dead, a second wave spread evenly between the longest wait that survived and the
/// shortest that did not. Every probe uses a fresh socket, because an answer refreshes the
/// mapping it reaches.
public struct LifetimeMachine: DatagramMachine {
    public struct Configuration: Sendable {
        public var server: TransportAddress
        /// All probing must end within this time.
        public var budget: Duration
        /// The path's round trip, from the classifier; paces the checks.
        public var roundTrip: Duration
        public var probesPerWave = 6
        public var checkTransmissions = 4
        public var pacing = RoundTripPacing()
        /// Fixed idle waits instead of the two searching waves, for a yes/no question such as
        /// `lab verify`'s "is a mapping idle timeout + 1 s gone, while one idle 0.5 s is not?".
        public var fixedWaits: [Duration]?

        public init(server: TransportAddress, budget: Duration, roundTrip: Duration) {
            self.server = server
            self.budget = budget
            self.roundTrip = roundTrip
        }

        /// Socket 0 is Y; then one socket per probe of both waves (or per fixed wait).
        public var socketCount: Int { 1 + (fixedWaits?.count ?? 2 * probesPerWave) }
    }

    private struct Probe {
        var socket: Int
        var wait: Duration
        var open = STUNMessage(type: .bindingRequest)
        var check = STUNMessage(type: .bindingRequest)
        var openSends: [Duration] = []
        var mapped: TransportAddress?
        var openedAt: Duration?
        var checkSends: [Duration] = []
        var alive: Bool?
        var cancelled = false
        var isDone: Bool { alive != nil || cancelled }
    }

    public let configuration: Configuration
    private var probes: [Probe] = []
    private var nextSocket = 1
    private var startedAt: Duration = .zero
    private var secondWaveStarted = false
    public private(set) var result: Finding<Double>?
    public var output: Finding<Double>? { result }

    public init(configuration: Configuration) { self.configuration = configuration }

    private var gap: Duration { configuration.pacing.gap(configuration.roundTrip) }
    private var answerWait: Duration { configuration.pacing.answerWait(configuration.roundTrip) }
    /// Time a check needs after the wait: copies, then the last answer's wait.
    private var checkCost: Duration { gap * (configuration.checkTransmissions - 1) + answerWait }

    public mutating func start(at now: Duration) -> [DatagramAction] {
        startedAt = now
        if let waits = configuration.fixedWaits {
            for wait in waits { addProbe(wait: wait) }
            secondWaveStarted = true  // the waits are the question: no search around them
            return [.progress("binding lifetime: \(probes.count) probes at fixed waits")] + tick(at: now)
        }
        let usable = configuration.budget - checkCost - answerWait
        let fractions = (0..<configuration.probesPerWave).map { 0.9 / Double(1 << ($0 == configuration.probesPerWave - 1 ? 0 : configuration.probesPerWave - 1 - $0)) }
        for fraction in fractions where usable > .zero { addProbe(wait: usable * fraction) }
        return [.progress("binding lifetime: \(probes.count) probes at waits up to \(usable.milliseconds / 1000) s")] + tick(at: now)
    }

    public mutating func received(_ bytes: [UInt8], from source: TransportAddress, on socket: Int, at now: Duration) -> [DatagramAction] {
        guard result == nil, let message = try? STUNMessage(decoding: bytes), message.type.messageClass == .successResponse else { return [] }
        var actions: [DatagramAction] = []
        for index in probes.indices where !probes[index].isDone && probes[index].socket == socket {
            if message.transactionID == probes[index].open.transactionID, probes[index].mapped == nil {
                probes[index].mapped = message.reflexiveAddress
                probes[index].openedAt = now
            } else if message.transactionID == probes[index].check.transactionID {
                probes[index].alive = true
                actions.append(.progress("binding lifetime: mapping alive after \(seconds(probes[index].wait)) s idle"))
            }
        }
        return actions + tick(at: now)
    }

    public mutating func tick(at now: Duration) -> [DatagramAction] {
        guard result == nil else { return [] }
        var actions: [DatagramAction] = []
        for index in probes.indices where !probes[index].isDone {
            let probe = probes[index]
            if probe.mapped == nil {
                if probe.openSends.count < configuration.checkTransmissions, now >= (probe.openSends.last.map { $0 + gap } ?? .zero) {
                    probes[index].openSends.append(now)
                    actions.append(.send(socket: probe.socket, to: configuration.server, bytes: probe.open.encoded(fingerprint: true)))
                } else if probe.openSends.count >= configuration.checkTransmissions, let last = probe.openSends.last, now >= last + answerWait {
                    probes[index].cancelled = true  // could not even open a mapping: loss; the probe says nothing
                }
            } else if let opened = probe.openedAt, now >= opened + probe.wait {
                if probe.checkSends.count < configuration.checkTransmissions, now >= (probe.checkSends.last.map { $0 + gap } ?? .zero),
                    let mapped = probe.mapped
                {
                    var check = probe.check
                    check.append(ResponsePort(mapped.port))
                    probes[index].checkSends.append(now)
                    actions.append(.send(socket: 0, to: configuration.server, bytes: check.encoded(fingerprint: true)))
                } else if probe.checkSends.count >= configuration.checkTransmissions, let last = probe.checkSends.last, now >= last + answerWait {
                    probes[index].alive = false
                    actions.append(.progress("binding lifetime: mapping gone after \(seconds(probe.wait)) s idle"))
                }
            }
        }
        let (alive, dead) = bounds
        if let dead {
            for index in probes.indices where !probes[index].isDone && (probes[index].wait >= dead || probes[index].wait <= (alive ?? .zero)) {
                probes[index].cancelled = true  // already answered by another probe
            }
            if !secondWaveStarted {
                secondWaveStarted = true
                let low = alive ?? .zero
                let remaining = configuration.budget - (now - startedAt) - checkCost - answerWait
                let steps = configuration.probesPerWave + 1
                for step in 1..<steps {
                    let wait = low + (dead - low) * (Double(step) / Double(steps))
                    if wait < remaining, wait > low { addProbe(wait: wait) }
                }
                actions += tick(at: now)
            }
        }
        if probes.allSatisfy(\.isDone) || now - startedAt >= configuration.budget {
            result = finding()
        }
        return actions
    }

    public var nextWakeup: Duration? {
        guard result == nil else { return nil }
        var times: [Duration] = [startedAt + configuration.budget]
        for probe in probes where !probe.isDone {
            if probe.mapped == nil {
                times.append(probe.openSends.count < configuration.checkTransmissions ? (probe.openSends.last.map { $0 + gap } ?? .zero) : (probe.openSends.last ?? .zero) + answerWait)
            } else if let opened = probe.openedAt {
                let due = opened + probe.wait
                if probe.checkSends.isEmpty { times.append(due) }
                else if probe.checkSends.count < configuration.checkTransmissions { times.append((probe.checkSends.last ?? due) + gap) }
                else { times.append((probe.checkSends.last ?? due) + answerWait) }
            }
        }
        return times.min()
    }

    /// What each probe found, in the order its wait was chosen: alive, gone, or nil when the probe
    /// could not open a mapping or was cancelled because another probe had already answered.
    public var probeOutcomes: [ProbeOutcome] { probes.map { ProbeOutcome(wait: $0.wait, alive: $0.alive) } }

    public struct ProbeOutcome: Sendable, Equatable {
        public var wait: Duration
        public var alive: Bool?
    }

    /// The longest idle wait a mapping survived, and the shortest it did not.
    private var bounds: (alive: Duration?, dead: Duration?) {
        (probes.filter { $0.alive == true }.map(\.wait).max(), probes.filter { $0.alive == false }.map(\.wait).min())
    }

    private mutating func addProbe(wait: Duration) {
        guard nextSocket < configuration.socketCount else { return }
        probes.append(Probe(socket: nextSocket, wait: wait))
        nextSocket += 1
    }

    private func finding() -> Finding<Double> {
        let (alive, dead) = bounds
        switch (alive, dead) {
        case (let alive?, let dead?) where alive < dead:
            let middle = (alive + dead) / 2
            return Finding(
                (Double(middle.milliseconds) / 100).rounded() / 10, confidence: 1 - Double((dead - alive).milliseconds) / Double(dead.milliseconds),
                evidence: ["a mapping idle \(seconds(alive)) s still let the server's answer in; one idle \(seconds(dead)) s did not"])
        case (nil, let dead?):
            return Finding(
                (Double(dead.milliseconds) / 100).rounded() / 10, confidence: 0.5,
                evidence: ["mappings were gone after \(seconds(dead)) s idle, the shortest wait tried: the lifetime is at most that"])
        case (let alive?, nil):
            return Finding(
                nil, confidence: nil,
                evidence: ["mappings still lived after \(seconds(alive)) s idle, the longest wait that fit in --timeout: the lifetime is longer; raise --timeout"])
        default:
            return .undecided("no probe finished: the server did not answer (RESPONSE-PORT unsupported?) or --timeout is too short")
        }
    }

    private func seconds(_ duration: Duration) -> String { String(format: "%.1f", Double(duration.milliseconds) / 1000) }
}
