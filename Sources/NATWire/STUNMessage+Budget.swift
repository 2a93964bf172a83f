/// Answers that cannot amplify: a server that answers an unauthenticated request with many
/// more bytes than it received turns any spoofed source into a target (the reflection attacks
/// that open DNS and NTP servers suffered). natctl's servers never answer an unauthenticated
/// request with more than `AmplificationLimit.factor` times its size (docs/protocol.md).
public enum AmplificationLimit {
    /// The most bytes an unauthenticated answer may carry per byte of the request.
    public static let factor = 4

    /// The byte budget of every answer to a request of `requestLength` bytes.
    public static func budget(forRequestOf requestLength: Int) -> Int { factor * requestLength }
}

extension STUNMessage {
    /// The byte budget of any answer to this request: `AmplificationLimit` times the bytes it
    /// arrived as (a locally built message counts as its bare header).
    public var answerBudget: Int { AmplificationLimit.budget(forRequestOf: receivedBytes?.count ?? Self.headerLength) }

    /// What an answer can lose, least needed first, when it does not fit its budget. The
    /// reflexive address (XOR-MAPPED-ADDRESS, or MAPPED-ADDRESS for RFC 3489 clients), the
    /// error code's number and TURN's challenge (REALM, NONCE, and PASSWORD-ALGORITHMS, whose
    /// absence a client must treat as a bid-down attack, RFC 8489 §9.2.5) are never dropped:
    /// without them the answer is useless and silence is better.
    public enum Trim: Sendable, Equatable {
        /// Remove every attribute of this type.
        case drop(STUNAttributeType)
        /// Remove MAPPED-ADDRESS where XOR-MAPPED-ADDRESS says the same (RFC 8489 clients).
        case duplicateMappedAddress
        /// Keep ERROR-CODE's number, drop its reason phrase.
        case errorReason
        /// Shorten PADDING to what is left of the budget (RFC 5780 §7.6 padding is a test, not content).
        case shrinkPadding
    }

    /// The order natctl's servers trim answers in.
    public static let answerTrims: [Trim] = [
        .drop(.software), .shrinkPadding, .errorReason, .duplicateMappedAddress, .drop(.sourceAddress),
        .drop(.responseOrigin), .drop(.unknownAttributes), .drop(.otherAddress), .drop(.changedAddress),
    ]

    /// This message encoded (with FINGERPRINT if asked) in at most `budget` bytes, trimmed in
    /// `trims` order as far as needed; nil when even the trimmed message does not fit, in
    /// which case the caller sends nothing.
    public func encoded(fingerprint: Bool, within budget: Int, trims: [Trim] = STUNMessage.answerTrims) -> [UInt8]? {
        var message = self
        var bytes = message.encoded(fingerprint: fingerprint)
        for trim in trims {
            guard bytes.count > budget else { return bytes }
            message.apply(trim, excess: bytes.count - budget)
            bytes = message.encoded(fingerprint: fingerprint)
        }
        return bytes.count <= budget ? bytes : nil
    }

    private mutating func apply(_ trim: Trim, excess: Int) {
        switch trim {
        case .drop(let type):
            attributes.removeAll { $0.type == type }
        case .duplicateMappedAddress:
            if contains(.xorMappedAddress) { attributes.removeAll { $0.type == .mappedAddress } }
        case .errorReason:
            guard let index = attributes.firstIndex(where: { $0.type == .errorCode }) else { return }
            attributes[index].value = Array(attributes[index].value.prefix(4))
        case .shrinkPadding:
            guard let index = attributes.firstIndex(where: { $0.type == .padding }) else { return }
            let kept = max(0, attributes[index].value.count - excess) & ~3
            attributes[index].value = Array(attributes[index].value.prefix(kept))
        }
    }
}

extension STUNMessage {
    /// Adds PADDING so the message with FINGERPRINT is at least `length` bytes: a client pays
    /// for a large answer with a large request, as servers that cap amplification require.
    public mutating func padded(toAtLeast length: Int) {
        let current = encodedBody().count + 8  // FINGERPRINT
        guard current + 4 <= length else { return }
        append(Padding(length: (length - current - 4 + 3) & ~3))
    }
}
