import NATWire

/// `classify --autonat`: whether libp2p nodes could dial this host back, node by node and
/// overall under the spec's agreement rule, with the evidence natctl saw itself.
public struct AutoNATReport: Encodable, Sendable {
    /// Where natctl listened for the dial-backs, and the addresses it asked nodes to dial.
    public var listen: String
    /// `public`, `private` or `unknown`: public (or private) when at least `threshold` nodes
    /// said so and more of them than said the opposite (the spec: "more than 3 peers").
    public var overall = "unknown"
    public var threshold: Int
    public var publicCount = 0
    public var privateCount = 0
    public var nodes: [AutoNATNodeResult] = []
    /// Why overall is what it is, in words.
    public var evidence: [String] = []

    public init(listen: String, threshold: Int) {
        self.listen = listen
        self.threshold = threshold
    }

    /// The agreement rule over the nodes' verdicts.
    public mutating func decide() {
        publicCount = nodes.count { $0.reachability == "public" }
        privateCount = nodes.count { $0.reachability == "private" }
        let answered = "\(publicCount) of \(nodes.count) nodes reached this host by a new connection, \(privateCount) could not"
        if publicCount >= threshold, publicCount > privateCount {
            overall = "public"
        } else if privateCount >= threshold, privateCount > publicCount {
            overall = "private"
        } else {
            overall = "unknown"
            evidence.append("\(answered); a verdict needs \(threshold) agreeing nodes (--autonat-threshold)")
            return
        }
        evidence.append(answered)
    }
}

/// One node's answer to `classify --autonat`.
public struct AutoNATNodeResult: Encodable, Sendable {
    public var address: String
    @Nullable public var peerID: String?
    /// `public`, `private` or `unknown` for this node.
    public var reachability = "unknown"
    /// The node's DIAL_RESPONSE status (`OK`, `E_DIAL_ERROR`, ...) and text; null without one.
    @Nullable public var status: String?
    @Nullable public var statusText: String?
    /// The address the node says it dialed.
    @Nullable public var dialedAddr: String?
    /// The addresses natctl asked it to dial.
    public var asked: [String] = []
    /// Where the node sees this host (identify's observedAddr).
    @Nullable public var observed: String?
    /// Whether a new libp2p connection from the node's peer ID reached natctl's listener while
    /// the request was open: the evidence an OK rests on (an OK without one means the node
    /// reused the connection we made, which proves nothing about reachability).
    public var dialBackArrived = false
    /// Wall time of the request, in milliseconds.
    @Nullable public var ms: Double?
    @Nullable public var error: String?
    @Nullable public var errorCode: String?
    /// What the verdict rests on, in words.
    public var evidence: String = ""

    enum CodingKeys: String, CodingKey {
        case address, reachability, status, statusText, dialedAddr, asked, observed, dialBackArrived, ms, error, errorCode, evidence
        case peerID = "peerId"
    }

    public init(address: String) { self.address = address }

    /// The verdict from the answer and what arrived.
    mutating func judge() {
        switch (status, dialBackArrived) {
        case ("OK", true):
            reachability = "public"
            evidence = "the node dialed back over a new connection and answered OK"
        case ("OK", false):
            evidence = "the node answered OK but no new connection from it arrived: it reused ours, which proves nothing"
        case ("E_DIAL_ERROR", false):
            reachability = "private"
            evidence = "the node could not dial back (E_DIAL_ERROR) and no connection from it arrived"
        case ("E_DIAL_ERROR", true):
            evidence = "the node answered E_DIAL_ERROR though its connection arrived: contradictory, not counted"
        case (let status?, _):
            evidence = "the node did not try (\(status)\(statusText.map { ": \($0)" } ?? ""))"
        case (nil, _):
            evidence = "no answer: \(error ?? "unknown error")"
        }
    }
}
