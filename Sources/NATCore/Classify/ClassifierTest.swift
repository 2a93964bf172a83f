import NATWire

/// The tests the classifier runs (RFC 5780 §4.3–4.5 plus port sampling).
enum ClassifierTest: Hashable, Sendable, CustomStringConvertible {
    /// Mapping tests I (primary address), II (alternate IP, primary port), III (alternate address).
    case mapping(Int)
    /// Filtering tests I (plain), II (CHANGE-REQUEST IP and port), III (CHANGE-REQUEST port).
    case filtering(Int)
    /// A request to our own reflexive address, which a hairpinning NAT loops back to us.
    case hairpin
    /// A fresh socket's first mapping toward the server, for port-allocation analysis.
    case portSample(Int)

    var description: String {
        switch self {
        case .mapping(let n): "mapping-\(n)"
        case .filtering(let n): "filtering-\(n)"
        case .hairpin: "hairpin"
        case .portSample(let n): "port-sample-\(n)"
        }
    }

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
    }

    var test: ClassifierTest
    var id: TransactionID
    var socket: Int
    var destination: TransportAddress
    var change: ChangeRequest?
    var bytes: [UInt8]
    var sendTimes: [Duration] = []
    var answer: Answer?
    /// Set when the request stops waiting without an answer (given up, or made unnecessary).
    var closed = false
    /// Set when the overall timeout closed the request before it sent all its copies.
    var timedOut = false

    var isOpen: Bool { answer == nil && !closed }
    var transmissions: Int { sendTimes.count }

    /// Time from the first send to the answer: the true round trip when the first copy got
    /// through, an overestimate by the gap when it was lost.
    var roundTripBound: Duration? { answer.flatMap { answer in sendTimes.first.map { answer.at - $0 } } }
}
