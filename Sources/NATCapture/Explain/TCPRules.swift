import NATWire

/// TCP connections this host took part in: a dial refused (RST) or unanswered (SYNs and
/// nothing), a SYN this host refused, a simultaneous open (both ends sent SYN, as TCP hole
/// punching does), and how far a libp2p connection's cleartext start got.
enum TCPRules {
    static func findings(_ context: TraceContext) -> [TraceFinding] {
        context.tcpConversations.filter { context.localInterfaces.contains($0.interface) }.flatMap { conversation in
            dial(conversation, context) + libp2p(conversation)
        }
    }

    private static func dial(_ conversation: TCPConversation, _ context: TraceContext) -> [TraceFinding] {
        guard let dialer = conversation.dialer, let other = conversation.other(than: dialer) else { return [] }
        let local = context.locals.contains(dialer.ip) ? dialer : context.locals.contains(other.ip) ? other : nil
        guard let local else { return [] }
        let remote = local == dialer ? other : dialer
        let syns = conversation.directions[dialer]?.synCount ?? 0
        let frames = conversation.frames
        if conversation.synSenders.count == 2 {
            let done = conversation.synAckFrom != nil || (conversation.directions.values.contains { !$0.lines.isEmpty })
            return [TraceFinding(
                kind: .tcpSimultaneousOpen, severity: done ? .info : .problem,
                sentence: "\(local) and \(remote) both sent SYN: a TCP simultaneous open, as hole punching over TCP does; "
                    + (done ? "the connection was made." : "it did not complete (no SYN-ACK, so one side's NAT or firewall dropped the other's SYN)."),
                frames: frames, local: local.description, remote: remote.description)]
        }
        if let refuser = conversation.resetFrom, conversation.synAckFrom == nil {
            let sentence =
                refuser == local
                ? "A SYN from \(remote) reached this host's port \(local.port), and this host answered RST: nothing listened there (or a local firewall rejected it)."
                : "\(local) dialed \(remote) over TCP and got RST for its SYN (\(counted(syns, "SYN"))): nothing listens on port \(remote.port) there, or a firewall on the way rejects the connection."
            return [TraceFinding(kind: .tcpRefused, severity: .problem, sentence: sentence, frames: frames, local: local.description, remote: remote.description, by: refuser.ip.description)]
        }
        if conversation.synAckFrom == nil, dialer == local {
            let sentence = "\(counted(syns, "SYN")) from \(local) to \(remote) got no answer in \(span(conversation.firstNanos, conversation.lastNanos)): "
                + "nothing came back, not even RST, so they were dropped on the way (a NAT with no mapping for them, or a firewall)."
            return [TraceFinding(kind: .tcpNoAnswer, severity: .problem, sentence: sentence, frames: frames, local: local.description, remote: remote.description)]
        }
        return []
    }

    /// A connection whose data began with multistream-select: the protocols each side named,
    /// and whether the Noise handshake got through its three messages.
    private static func libp2p(_ conversation: TCPConversation) -> [TraceFinding] {
        guard let dialer = conversation.dialer, let listener = conversation.other(than: dialer),
            let dialing = conversation.directions[dialer], let listening = conversation.directions[listener],
            dialing.lines.first == "/multistream/1.0.0"
        else { return [] }
        let proposed = dialing.lines.dropFirst().joined(separator: ", ")
        let handshake = min(dialing.noiseFrames, 2) + min(listening.noiseFrames, 1)
        let sentence: String
        var severity = TraceFinding.Severity.info
        if listening.lines.contains("na") {
            severity = .problem
            sentence = "libp2p: \(dialer) proposed \(proposed) to \(listener), which answered na: it does not speak that protocol."
        } else if dialing.lines.last == "/noise" || listening.lines.last == "/noise" {
            if handshake >= 3 {
                sentence = "libp2p: \(dialer) and \(listener) agreed on /noise over multistream-select and completed the Noise XX handshake (3 messages); the rest is encrypted."
            } else {
                severity = .problem
                sentence = "libp2p: \(dialer) and \(listener) agreed on /noise, but the Noise XX handshake stopped after \(counted(handshake, "message")) of 3: the side that should have sent the next one refused the other's identity or gave up."
            }
        } else {
            sentence = "libp2p: \(dialer) proposed \(proposed.isEmpty ? "nothing yet" : proposed) to \(listener) over multistream-select; \(listening.lines.isEmpty ? "no answer was seen" : "it answered \(listening.lines.joined(separator: ", "))")."
        }
        return [TraceFinding(kind: .libp2pConnection, severity: severity, sentence: sentence, frames: conversation.frames, local: dialer.description, remote: listener.description)]
    }
}
