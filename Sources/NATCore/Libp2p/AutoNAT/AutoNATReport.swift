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
    /// The AutoNAT version asked: `v2` when the node offers it (identify), else `v1`; null
    /// when the node was not reached.
    @Nullable public var version: String?
    /// `public`, `private` or `unknown` for this node.
    public var reachability = "unknown"
    /// The node's answer, by the spec's names: v1's DIAL_RESPONSE status (`OK`, `E_DIAL_ERROR`,
    /// ...) and text; v2's response status (`OK`, `E_DIAL_REFUSED`, ...), and when it is OK the
    /// dial's status (`OK`, `E_DIAL_ERROR`, `E_DIAL_BACK_ERROR`). Null without an answer.
    @Nullable public var status: String?
    @Nullable public var statusText: String?
    @Nullable public var dialStatus: String?
    /// v2: the dial data the node asked for and natctl sent (0 when none was asked for).
    public var dialDataBytes = 0
    /// The address the node says it dialed.
    @Nullable public var dialedAddr: String?
    /// The addresses natctl asked it to dial.
    public var asked: [String] = []
    /// Where the node sees this host (identify's observedAddr).
    @Nullable public var observed: String?
    /// v1: whether a new libp2p connection from the node's IP reached natctl's listener
    /// while the request was open (an OK without one means the node reused the connection we
    /// made, which proves nothing about reachability). v2: whether our nonce came back on a
    /// dial-back stream.
    public var dialBackArrived = false
    /// Wall time of the request, in milliseconds.
    @Nullable public var ms: Double?
    @Nullable public var error: String?
    @Nullable public var errorCode: String?
    /// What the verdict rests on, in words.
    public var evidence: String = ""

    enum CodingKeys: String, CodingKey {
        case address, version, reachability, status, statusText, dialStatus, dialDataBytes, dialedAddr, asked, observed, dialBackArrived, ms
        case error, errorCode, evidence
        case peerID = "peerId"
    }

    public init(address: String) { self.address = address }

    /// The verdict from the answer and what arrived.
    mutating func judge() {
        if version == "v2" { return judgeV2() }
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

    /// v2 verdicts are about the address the node chose: only the public one (asked first) counts.
    private mutating func judgeV2() {
        guard let status else { return evidence = "no answer: \(error ?? "unknown error")" }
        guard status == "OK" else { return evidence = "the node did not dial (\(status))" }
        guard dialedAddr == asked.first else {
            return evidence = "the node dialed \(dialedAddr ?? "an address natctl did not ask for"), not the public address"
        }
        switch (dialStatus, dialBackArrived) {
        case ("OK", true):
            reachability = "public"
            evidence = "the node dialed back over a new connection and our nonce came back on it"
        case ("OK", false):
            evidence = "the node says it delivered the nonce, but it never arrived: not counted"
        case ("E_DIAL_ERROR", false):
            reachability = "private"
            evidence = "the node could not connect to the address (E_DIAL_ERROR)"
        case (let dial, _):
            evidence = "the dial ended \(dial ?? "without a status")\(dialBackArrived ? " though the nonce arrived" : ""): not counted"
        }
    }
}
