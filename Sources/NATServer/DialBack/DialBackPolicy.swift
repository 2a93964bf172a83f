import NATWire

/// The rules a dial-back request must pass before the server dials anyone (docs/protocol.md),
/// kept apart from I/O so they are tested as plain values.
public struct DialBackPolicy: Sendable {
    /// Requests a client IP may make in a burst, and how many more per second
    /// (`relay serve --dial-back-rate`; one every 2 s by default).
    public var limiter: SourceRateLimiter
    /// At most this many targets per request.
    public var maxTargets = 8

    public init(perSecond: Double = 0.5, burst: Double = 5) {
        limiter = SourceRateLimiter(perSecond: perSecond, burst: burst)
    }

    /// A request the server will carry out.
    public struct Accepted: Sendable, Equatable {
        public var targets: [DialBackTarget]
        public var nonce: DialBackNonce
    }

    /// A refusal, answered with this STUN error.
    public struct Refused: Error, Sendable, Equatable {
        public var code: Int
        public var reason: String
    }

    /// Checks `request` from `source` at `now` (seconds on any monotonic clock), spending one
    /// token of the client's rate limit when it is well-formed.
    public mutating func check(_ request: STUNMessage, from source: TransportAddress, now: Double) -> Result<Accepted, Refused> {
        let targets: [DialBackTarget]
        let nonce: DialBackNonce?
        do {
            targets = try request.attributes(DialBackTarget.self)
            nonce = try request.attribute(DialBackNonce.self)
        } catch {
            return .failure(Refused(code: 400, reason: "\(error)"))
        }
        guard let nonce else { return .failure(Refused(code: 400, reason: "DIAL-BACK-NONCE is missing")) }
        guard !targets.isEmpty, targets.count <= maxTargets else {
            return .failure(Refused(code: 400, reason: "give 1 to \(maxTargets) DIAL-BACK-TARGETs, not \(targets.count)"))
        }
        // Never a third party: only the address the request came from may be dialled.
        if let foreign = targets.first(where: { $0.address.ip != source.ip }) {
            return .failure(Refused(code: 403, reason: "dial-back only to the requester's own IP \(source.ip), not \(foreign.address.ip)"))
        }
        if let zero = targets.first(where: { $0.address.port == 0 }) {
            return .failure(Refused(code: 400, reason: "target \(zero.transport) port 0"))
        }
        let needed = Self.minimumRequestLength(targets: targets.count, nonce: nonce)
        guard (request.receivedBytes?.count ?? Int.max) >= needed else {
            return .failure(Refused(code: 400, reason: "pad the request to \(needed) bytes (PADDING) for \(targets.count) targets"))
        }
        guard limiter.allow(source.ip, now: now) else {
            let wait = Int((1 / limiter.perSecond).rounded(.up))
            return .failure(Refused(code: 429, reason: "too many dial-back requests from \(source.ip); try again in \(wait) s"))
        }
        return .success(Accepted(targets: targets, nonce: nonce))
    }

    /// The answer's size for `targets` targets: header, one DIAL-BACK-STATUS each, FINGERPRINT.
    static func answerLength(targets: Int) -> Int { STUNMessage.headerLength + targets * 8 + 8 }

    /// The indication dialled to each target: the request's nonce, FINGERPRINT.
    static func dialPayload(_ nonce: DialBackNonce) -> [UInt8] {
        var indication = STUNMessage(type: STUNMessageType(method: .dialBack, messageClass: .indication))
        indication.append(nonce)
        return indication.encoded(fingerprint: true)
    }

    /// The smallest request the server carries out: one dial per target plus the answer
    /// must fit in `AmplificationLimit` of it (docs/protocol.md).
    static func minimumRequestLength(targets: Int, nonce: DialBackNonce) -> Int {
        let total = answerLength(targets: targets) + targets * dialPayload(nonce).count
        return (total + AmplificationLimit.factor - 1) / AmplificationLimit.factor
    }
}
