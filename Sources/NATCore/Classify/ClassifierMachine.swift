import Foundation
import NATWire

/// The classifier as a state machine that does no I/O (CONVENTIONS.md rule 4): the driver
/// feeds it time and received datagrams; it answers with datagrams to send and progress notes,
/// and produces a `ClassifierReport` once every test is decided.
///
/// Tests run in parallel wherever the protocol allows. At the start: a Binding to every server
/// from the primary socket (what different servers see decides mapping even when none of them
/// has an alternate address), and, optimistically toward the first server, filtering tests
/// I–III and the inbound-claim check from sockets of their own. The first answer starts the
/// port samples and the hairpin test. The first server that names an alternate address becomes
/// the full-test server: mapping tests II and III go to it, and if it is not the first server,
/// the filtering and claim tests move to it on fresh sockets. A missing answer counts only
/// after `requiredTransmissions` copies and a wait of twice that server's round trip.
public struct ClassifierMachine: DatagramMachine {
    public typealias Action = DatagramAction

    /// The server that runs the RFC 5780 tests, its alternate address, and which set of
    /// filtering and claim sockets serves it.
    struct FullTest: Sendable {
        var server: Int
        var other: TransportAddress
        var attempt: Int
    }

    public let configuration: ClassifierConfiguration
    /// Local port of each socket, in the driver's order.
    public let localPorts: [UInt16]
    var requests: [ClassifierRequest] = []
    private var indexByID: [TransactionID: Int] = [:]
    var startedAt: Duration?
    var fullTest: FullTest?
    /// Why a server that answered cannot run the RFC 5780 tests, by server index.
    var alternateProblems: [Int: String] = [:]
    var samplesStarted = false
    public private(set) var report: ClassifierReport?
    public var output: ClassifierReport? { report }

    public init(configuration: ClassifierConfiguration, localPorts: [UInt16]) {
        precondition(localPorts.count == configuration.socketCount, "one local port per socket")
        self.configuration = configuration
        self.localPorts = localPorts
    }

    public var isFinished: Bool { report != nil }

    /// Starts every test that needs nothing but the server addresses.
    public mutating func start(at now: Duration) -> [Action] {
        startedAt = now
        let servers = configuration.servers
        var actions: [Action] = [.progress("classifying the NAT toward \(servers.map(\.description).joined(separator: ", "))")]
        for (index, server) in servers.enumerated() {
            add(.binding(server: index), socket: ClassifierConfiguration.primarySocket, server: index, to: server)
        }
        startFilteringAndClaim(attempt: 0, server: 0)
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
        let required = requiredTransmissions
        for index in requests.indices where requests[index].isOpen {
            let request = requests[index]
            if request.transmissions < required, now >= nextSend(request) {
                requests[index].sendTimes.append(now)
                actions.append(.send(socket: request.socket, to: request.destination, bytes: request.bytes))
            } else if request.transmissions >= required, now >= giveUpTime(request) {
                requests[index].closed = true
                actions.append(.progress("\(request.test): no answer from \(request.destination) after \(request.transmissions) transmissions"))
            }
        }
        if let due = claimProbeDue, now >= due, now - startedAt < configuration.timeout {
            actions += sendClaimProbe(at: now)
        }
        if requests.allSatisfy({ !$0.isOpen }), claimProbeDue == nil {
            report = ClassifierAnalysis(machine: self, elapsed: now - startedAt).report()
        }
        return actions
    }

    /// When `tick` next has something to do; nil once finished.
    public var nextWakeup: Duration? {
        guard !isFinished, let startedAt else { return nil }
        let required = requiredTransmissions
        var due = requests.filter(\.isOpen).map { $0.transmissions < required ? nextSend($0) : giveUpTime($0) }
        if let probe = claimProbeDue { due.append(probe) }
        return min(due.min() ?? startedAt, startedAt + configuration.timeout)
    }

    // MARK: Requests

    mutating func add(
        _ test: ClassifierTest, socket: Int, server: Int, to destination: TransportAddress, change: ChangeRequest? = nil
    ) {
        // No SOFTWARE: RFC 3489 servers such as stund read 0x8022 as SERVER-NAME and drop a
        // request whose value is not a multiple of four bytes long.
        var message = STUNMessage(type: .bindingRequest)
        if let change { message.append(change) }
        indexByID[message.transactionID] = requests.count
        requests.append(
            ClassifierRequest(
                test: test, id: message.transactionID, socket: socket, server: server, destination: destination, change: change,
                bytes: message.encoded(fingerprint: true)))
    }

    func request(_ test: ClassifierTest, server: Int? = nil) -> ClassifierRequest? {
        requests.first { $0.test == test && (server == nil || $0.server == server) }
    }

    /// Stops waiting for an answer that another answer made unnecessary.
    mutating func closeAsMoot(where matches: (ClassifierRequest) -> Bool) {
        for index in requests.indices where requests[index].isOpen && matches(requests[index]) {
            requests[index].closed = true
            requests[index].moot = true
        }
    }

    private func describeAnswer(_ request: ClassifierRequest) -> String {
        guard let answer = request.answer else { return "\(request.test): no answer" }
        if let code = answer.errorCode { return "\(request.test): error \(code) from \(answer.source)" }
        return "\(request.test): answered from \(answer.source), mapped \(answer.mapped?.description ?? "nothing")"
    }
}
