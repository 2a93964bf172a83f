/// What a dial-back request costs the server in bytes sent toward the requester's IP, which
/// may be forged: the answer, each UDP copy of the dial indication, and for each TCP target a
/// SYN and its retransmission plus the indication. Servers keep that within
/// `AmplificationLimit` of the request; clients pad their requests (PADDING) to buy every copy
/// (docs/protocol.md, "Dial-back").
public enum DialBackCost {
    /// UDP copies per target when the request pays for them.
    public static let udpCopies = 3
    /// A TCP dial's handshake on the wire: two SYNs of about 60 bytes.
    public static let tcpHandshakeBytes = 120

    /// The answer: header, one 8-byte DIAL-BACK-STATUS per target, FINGERPRINT.
    public static func answerLength(targets: Int) -> Int { STUNMessage.headerLength + targets * 8 + 8 }

    /// One dial indication: header, DIAL-BACK-NONCE, FINGERPRINT.
    public static func dialLength(nonceLength: Int) -> Int { STUNMessage.headerLength + 4 + (nonceLength + 3) & ~3 + 8 }

    /// Every byte sent for a request with these targets at `copies` UDP copies each.
    public static func bytes(udp: Int, tcp: Int, nonceLength: Int, copies: Int) -> Int {
        let dial = dialLength(nonceLength: nonceLength)
        return answerLength(targets: udp + tcp) + udp * copies * dial + tcp * (tcpHandshakeBytes + dial)
    }

    /// The smallest request for which the server sends `copies` UDP copies per target.
    public static func requestLength(udp: Int, tcp: Int, nonceLength: Int, copies: Int = udpCopies) -> Int {
        let total = bytes(udp: udp, tcp: tcp, nonceLength: nonceLength, copies: copies)
        return (total + AmplificationLimit.factor - 1) / AmplificationLimit.factor
    }

    /// UDP copies per target a request of `requestLength` bytes pays for, at most `udpCopies`;
    /// 0 when it cannot pay for one (the server refuses it).
    public static func affordableCopies(requestLength: Int, udp: Int, tcp: Int, nonceLength: Int) -> Int {
        guard udp > 0 else { return requestLength >= self.requestLength(udp: 0, tcp: tcp, nonceLength: nonceLength) ? udpCopies : 0 }
        let budget = AmplificationLimit.budget(forRequestOf: requestLength)
        let fixed = bytes(udp: 0, tcp: tcp, nonceLength: nonceLength, copies: 0)
        return max(0, min(udpCopies, (budget - fixed) / (udp * dialLength(nonceLength: nonceLength))))
    }
}
