import NATCore
import NATWire

/// How `natctl punch` reads as text: progress lines for stderr and the final report.
enum PunchRendering {
    static func progress(_ progress: PunchProgress) -> String {
        switch progress {
        case .waitingForPeer(let nameplate): "natctl punch: registered nameplate \(nameplate); waiting for the peer"
        case .paired(let strategy, let controlling):
            "natctl punch: paired (\(controlling ? "controlling" : "controlled")); strategy \(strategy.rawValue)"
        case .relayAllocated(let address): "natctl punch: relay allocated at \(address)"
        case .warning(let text): "natctl punch: warning: \(text)"
        case .connected(let pair): "natctl punch: connected: \(pair)"
        case .forwarding(let local, _): "natctl punch: WireGuard's datagrams go through the forwarder at \(local)"
        }
    }

    static func text(_ report: PunchReport) -> String {
        var lines: [String] = []
        let milliseconds = { (value: Double?) in value.map { "\(Int($0.rounded())) ms" } ?? "-" }
        if report.outcome == .success, let path = report.path {
            lines.append("natctl punch: \(report.outcome.rawValue): \(path.rawValue) path in \(milliseconds(report.connectMs))")
            lines.append("  path        \(report.localBase ?? "?") -> \(report.remote ?? "?")")
            lines.append("  rtt         \(milliseconds(report.rttMs))")
        } else {
            lines.append("natctl punch: \(report.outcome.rawValue): \(report.error ?? "no path")")
        }
        if let strategy = report.strategy { lines.append("  strategy    \(strategy.rawValue) (\(report.role ?? "-"))") }
        if report.localMapping != nil || report.peerMapping != nil {
            lines.append("  mapping     this side \(report.localMapping ?? "unknown"), peer \(report.peerMapping ?? "unknown")")
        }
        if let pair = report.pairMs { lines.append("  paired      after \(Int(pair)) ms") }
        if let proof = report.proof {
            lines.append("  proof       sent \(proof.sent), peer got \(proof.peerReceived.map(String.init) ?? "?"), received \(proof.received)")
        }
        if let proof = report.proofAfterHold {
            lines.append("  after hold  sent \(proof.sent), peer got \(proof.peerReceived.map(String.init) ?? "?"), received \(proof.received) (\(report.keepalivesSent) keepalives)")
        }
        lines.append("  packets     \(report.packets.checksSent) checks (\(report.packets.probesSent) many-ports probes)")
        if report.upgraded { lines.append("  upgraded    from the relay to a direct path") }
        for warning in report.warnings { lines.append("  warning     \(warning)") }
        return lines.joined(separator: "\n")
    }
}
