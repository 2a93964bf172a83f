import NATWire

/// The tests the classifier runs: a Binding to every server, RFC 5780 §4.3–4.5 against the
/// first server that has an alternate address, port sampling, and the inbound-claim check.
enum ClassifierTest: Hashable, Sendable, CustomStringConvertible {
    /// A plain Binding from the primary socket to server number `server` (0-based): comparing
    /// what different servers see is the mapping test that works with ordinary servers.
    case binding(server: Int)
    /// RFC 5780 mapping tests II (alternate IP, primary port) and III (alternate address),
    /// against the full-test server; its `binding` is test I.
    case mapping(Int)
    /// RFC 5780 filtering tests I (plain), II (CHANGE-REQUEST IP and port), III (CHANGE-REQUEST port).
    case filtering(Int)
    /// A request to our own reflexive address, which a hairpinning NAT loops back to us.
    case hairpin
    /// A fresh socket's first mapping toward a server, for port-allocation analysis.
    case portSample(Int)
    /// The inbound-claim check on its own socket: `open` maps it, `bait` asks the server to answer
    /// from its alternate address (a filtering NAT drops that answer, and a router without an
    /// input firewall keeps conntrack state for it), `probe` then goes to that alternate address.
    case claim(ClaimStep)

    enum ClaimStep: String, Hashable, Sendable {
        case open, bait, probe
    }

    var description: String {
        switch self {
        case .binding(let server): "binding-\(server + 1)"
        case .mapping(let n): "mapping-\(n)"
        case .filtering(let n): "filtering-\(n)"
        case .hairpin: "hairpin"
        case .portSample(let n): "port-sample-\(n)"
        case .claim(let step): "claim-\(step.rawValue)"
        }
    }

    /// Whether the request's round trip says something about the path to its server (the
    /// hairpin request never reaches one).
    var measuresRoundTrip: Bool { self != .hairpin }
}

/// One request the classifier sent, with its retransmissions and its answer.
struct ClassifierRequest: Sendable {
    struct Answer: Sendable {
        var source: TransportAddress
        var message: STUNMessage
        var at: Duration

        var mapped: TransportAddress? { message.reflexiveAddress }
        var errorCode: Int? {
            message.type.messageClass == .errorResponse ? (try? message.attribute(ErrorCode.self))?.code : nil
        }
        var isSuccess: Bool { message.type.messageClass == .successResponse }
        /// The server's second address: RFC 5780 OTHER-ADDRESS, or RFC 3489 CHANGED-ADDRESS from old servers.
        var otherAddress: TransportAddress? {
            message.alternateServerAddress
        }
    }

    var test: ClassifierTest
    var id: TransactionID
    var socket: Int
    /// Index of the server (in the configuration's list) the request goes to; for the hairpin
    /// test, the server whose answer gave the address, whose round trip paces it.
    var server: Int
    var destination: TransportAddress
    var change: ChangeRequest?
    var bytes: [UInt8]
    var sendTimes: [Duration] = []
    var answer: Answer?
    /// Set when the request stops waiting without an answer (given up, or made unnecessary).
    var closed = false
    /// Set when the overall timeout closed the request before it sent all its copies.
    var timedOut = false
    /// Set when the request was closed because another answer made it unnecessary.
    var moot = false

    var isOpen: Bool { answer == nil && !closed }
    var transmissions: Int { sendTimes.count }
    var successMapped: TransportAddress? { answer.flatMap { $0.isSuccess ? $0.mapped : nil } }

    /// Time from the first send to the answer: the true round trip when the first copy got
    /// through, an overestimate by the gap when it was lost.
    var roundTripBound: Duration? { answer.flatMap { answer in sendTimes.first.map { answer.at - $0 } } }
}
