import Foundation
import NATWire

/// The RFC 5780 classifier as a state machine that does no I/O (CONVENTIONS.md rule 4): the
/// driver feeds it time and received datagrams; it answers with datagrams to send and progress
/// notes, and produces a `ClassifierReport` once every test is decided.
///
/// Tests run in parallel wherever the protocol allows. At the start: mapping test I from the
/// primary socket, filtering tests I–III together from a second socket (the request itself
/// opens the mapping, so they need not wait for each other), and one request per port-sample
/// socket. Once mapping test I reveals OTHER-ADDRESS: mapping tests II and III and the hairpin
/// test. A missing answer counts only after `transmissions` copies and a wait of twice the
/// measured round trip, so "no answer" costs a few round trips, not fixed seconds.
public struct ClassifierMachine: DatagramMachine {
    public typealias Action = DatagramAction

    public let configuration: ClassifierConfiguration
    /// Local port of each socket, in the driver's order.
    public let localPorts: [UInt16]
    var requests: [ClassifierRequest] = []
    private var indexByID: [TransactionID: Int] = [:]
    private var startedAt: Duration?
    var otherAddress: TransportAddress?
    var otherAddressProblem: String?
    public private(set) var report: ClassifierReport?
    public var output: ClassifierReport? { report }

    public init(configuration: ClassifierConfiguration, localPorts: [UInt16]) {
        precondition(localPorts.count == configuration.socketCount, "one local port per socket")
        self.configuration = configuration
        self.localPorts = localPorts
    }

    public var isFinished: Bool { report != nil }

    /// Starts every test that needs nothing but the server address.
    public mutating func start(at now: Duration) -> [Action] {
        startedAt = now
        let server = configuration.server
        var actions: [Action] = [.progress("classifying the NAT toward \(server)")]
        add(.mapping(1), socket: ClassifierConfiguration.primarySocket, to: server)
        add(.filtering(1), socket: ClassifierConfiguration.filteringSocket, to: server)
        add(.filtering(2), socket: ClassifierConfiguration.filteringSocket, to: server, change: ChangeRequest(changeIP: true, changePort: true))
        add(.filtering(3), socket: ClassifierConfiguration.filteringSocket, to: server, change: ChangeRequest(changeIP: false, changePort: true))
        for sample in 0..<configuration.portSamples {
            add(.portSample(sample + 1), socket: 2 + sample, to: server)
        }
        actions += tick(at: now)
        return actions
    }

    /// Handles one datagram received on socket number `socket`.
    public mutating func received(_ bytes: [UInt8], from source: TransportAddress, on socket: Int, at now: Duration) -> [Action] {
        guard !isFinished, STUNMessage.looksLikeSTUN(bytes, requireCookie: false),
            let message = try? STUNMessage(decoding: bytes), let index = indexByID[message.transactionID]
        else { return [] }
        var actions: [Action] = []
        let test = requests[index].test
        if message.type.messageClass == .request {
            // Our own hairpin request, looped back by the NAT to the socket it came from.
            guard test == .hairpin, socket == requests[index].socket else { return [] }
            if requests[index].isOpen {
                requests[index].answer = .init(source: source, message: message, at: now)
                actions.append(.progress("hairpin: our request to \(requests[index].destination) came back from \(source)"))
            }
        } else if message.type.messageClass.isResponse, socket == requests[index].socket, requests[index].isOpen {
            requests[index].answer = .init(source: source, message: message, at: now)
            actions.append(.progress(describeAnswer(requests[index])))
            actions += followUp(after: test, index: index)
        }
        actions += tick(at: now)
        return actions
    }

    /// Sends what is due and closes tests whose wait is over. Call at `nextWakeup` (early is harmless).
    public mutating func tick(at now: Duration) -> [Action] {
        guard !isFinished, let startedAt else { return [] }
        var actions: [Action] = []
        if now - startedAt >= configuration.timeout {
            for index in requests.indices where requests[index].isOpen {
                requests[index].closed = true
                requests[index].timedOut = true
            }
            actions.append(.progress("timed out after \(configuration.timeout.milliseconds) ms"))
        }
        for index in requests.indices where requests[index].isOpen {
            let request = requests[index]
            let required = requiredTransmissions
            if request.transmissions < required, now >= nextSend(request) {
                requests[index].sendTimes.append(now)
                actions.append(.send(socket: request.socket, to: request.destination, bytes: request.bytes))
            } else if request.transmissions >= required, now >= giveUpTime(request) {
                requests[index].closed = true
                actions.append(.progress("\(request.test): no answer from \(request.destination) after \(request.transmissions) transmissions"))
            }
        }
        if requests.allSatisfy({ !$0.isOpen }) {
            report = ClassifierAnalysis(machine: self, elapsed: now - startedAt).report()
        }
        return actions
    }

    /// When `tick` next has something to do; nil once finished.
    public var nextWakeup: Duration? {
        guard !isFinished, let startedAt else { return nil }
        let required = requiredTransmissions
        let due = requests.filter(\.isOpen).map { $0.transmissions < required ? nextSend($0) : giveUpTime($0) }
        return min(due.min() ?? startedAt, startedAt + configuration.timeout)
    }

    // MARK: Timing

    /// The round trip used for pacing and waits; nil before any answer. The largest clean
    /// sample (an answer to a request sent once) when there is one, covering jitter; otherwise
    /// the median time from first send to answer, an overestimate by one gap per lost copy.
    var roundTripBound: Duration? {
        if let cleanRoundTrip { return cleanRoundTrip }
        let bounds = requests.filter { $0.test != .hairpin }.compactMap(\.roundTripBound).sorted()
        return bounds.isEmpty ? nil : bounds[bounds.count / 2]
    }

    /// The largest round trip measured without ambiguity: an answer to a request sent once.
    var cleanRoundTrip: Duration? {
        requests.filter { $0.transmissions == 1 && $0.test != .hairpin }.compactMap(\.roundTripBound).max()
    }

    /// Round-trip loss seen so far: copies of answered requests sent well over a round trip
    /// before their answer arrived had their chance and were lost.
    var lossCounts: (lost: Int, answered: Int) {
        guard let rtt = roundTripBound else { return (0, 0) }
        var lost = 0
        var answered = 0
        for request in requests where request.test != .hairpin {
            guard let answer = request.answer else { continue }
            answered += 1
            let expected = max(rtt * 3 / 2, rtt + .milliseconds(2))  // by then its answer was due
            lost += request.sendTimes.filter { answer.at - $0 > expected }.count
        }
        return (lost, answered)
    }

    /// Loss for confidence and pacing, pulled toward 0.5 when there are few samples so a short
    /// lucky run does not claim zero loss.
    var smoothedLoss: Double {
        let (lost, answered) = lossCounts
        return min(max((Double(lost) + 0.5) / Double(lost + answered + 1), 0.01), 0.99)
    }

    /// Copies to send before a missing answer counts: the configured number, raised when loss is
    /// high so that an answer lost every time stays below a 1-in-10,000 chance (at most 12).
    var requiredTransmissions: Int {
        let (lost, _) = lossCounts
        guard lost > 0 else { return configuration.transmissions }
        let needed = Int((log(1e-4) / log(smoothedLoss)).rounded(.up))
        return max(configuration.transmissions, min(needed, 12))
    }

    private func nextSend(_ request: ClassifierRequest) -> Duration {
        guard let last = request.sendTimes.last else { return .zero }
        guard let rtt = roundTripBound else {
            return last + configuration.initialInterval * (1 << min(request.transmissions - 1, 2))
        }
        return last + configuration.pacing.gap(rtt)
    }

    private func giveUpTime(_ request: ClassifierRequest) -> Duration {
        let last = request.sendTimes.last ?? .zero
        guard let rtt = roundTripBound else { return last + configuration.unknownRTTWait }
        return last + configuration.pacing.answerWait(rtt)
    }

    // MARK: Tests

    private mutating func add(_ test: ClassifierTest, socket: Int, to destination: TransportAddress, change: ChangeRequest? = nil) {
        var message = STUNMessage(type: .bindingRequest)
        if let change { message.append(change) }
        indexByID[message.transactionID] = requests.count
        requests.append(
            ClassifierRequest(
                test: test, id: message.transactionID, socket: socket, destination: destination, change: change,
                bytes: message.encoded(fingerprint: true)))
    }

    private func request(_ test: ClassifierTest) -> ClassifierRequest? { requests.first { $0.test == test } }

    private mutating func close(_ test: ClassifierTest) {
        if let index = requests.firstIndex(where: { $0.test == test }), requests[index].isOpen {
            requests[index].closed = true
        }
    }

    /// Starts the tests an answer makes possible and stops those it makes pointless.
    private mutating func followUp(after test: ClassifierTest, index: Int) -> [Action] {
        guard let answer = requests[index].answer, answer.isSuccess else { return [] }
        switch test {
        case .mapping(1):
            let other = (try? answer.message.attribute(OtherAddress.self))?.address
                ?? (try? answer.message.attribute(ChangedAddress.self))?.address
            if let other, other.ip != configuration.server.ip, other.port != configuration.server.port {
                otherAddress = other
                add(.mapping(2), socket: ClassifierConfiguration.primarySocket, to: TransportAddress(ip: other.ip, port: configuration.server.port))
                add(.mapping(3), socket: ClassifierConfiguration.primarySocket, to: other)
            } else if let other {
                otherAddressProblem = "the server's OTHER-ADDRESS \(other) shares its primary IP or port, so it cannot stand for a second host; rejected"
            } else {
                otherAddressProblem = "the server sent no OTHER-ADDRESS: it has no RFC 5780 alternate address"
            }
            if configuration.testHairpin, let mapped = answer.mapped, !configuration.localIPs.contains(mapped.ip) {
                add(.hairpin, socket: ClassifierConfiguration.primarySocket, to: mapped)
            }
            return otherAddressProblem.map { [.progress($0)] } ?? []
        case .mapping(2):
            // The same mapping from two server IPs settles endpoint independence; test III is moot.
            if answer.mapped != nil, answer.mapped == request(.mapping(1))?.answer?.mapped { close(.mapping(3)) }
        case .filtering(2):
            close(.filtering(3))  // endpoint-independent filtering settles it
        default:
            break
        }
        return []
    }

    private func describeAnswer(_ request: ClassifierRequest) -> String {
        guard let answer = request.answer else { return "\(request.test): no answer" }
        if let code = answer.errorCode { return "\(request.test): error \(code) from \(answer.source)" }
        return "\(request.test): answered from \(answer.source), mapped \(answer.mapped?.description ?? "nothing")"
    }
}
