import NATWire

/// The rules a dial-back request must pass before the server dials anyone (docs/protocol.md),
/// kept apart from I/O so they are tested as plain values.
public struct DialBackPolicy: Sendable {
    /// Requests a client IP may make in a burst, and how often one more is allowed.
    public var burst = 5
    public var refillSeconds = 2.0
    /// At most this many targets per request.
    public var maxTargets = 8

    private var buckets: [IPAddress: (tokens: Double, updated: Double)] = [:]

    public init() {}

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
        guard spendToken(source.ip, now: now) else {
            return .failure(Refused(code: 429, reason: "too many dial-back requests from \(source.ip); try again in \(Int(refillSeconds)) s"))
        }
        return .success(Accepted(targets: targets, nonce: nonce))
    }

    private mutating func spendToken(_ ip: IPAddress, now: Double) -> Bool {
        if buckets.count > 10_000 { buckets = buckets.filter { now - $0.value.updated < refillSeconds * Double(burst) } }
        var bucket = buckets[ip] ?? (Double(burst), now)
        bucket.tokens = min(Double(burst), bucket.tokens + (now - bucket.updated) / refillSeconds)
        bucket.updated = now
        guard bucket.tokens >= 1 else {
            buckets[ip] = bucket
            return false
        }
        bucket.tokens -= 1
        buckets[ip] = bucket
        return true
    }
}
