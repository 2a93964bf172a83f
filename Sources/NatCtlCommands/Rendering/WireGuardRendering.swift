import NATCore

/// How `natctl punch --wireguard` reads as text.
enum WireGuardRendering {
    static func text(_ report: WireGuardPunchReport) -> String {
        var lines: [String] = []
        if report.outcome == .success {
            let after = report.handshakeMs.map { " after \(Int($0)) ms" } ?? ""
            lines.append("natctl punch: SUCCESS: WireGuard handshake, \(report.path ?? "direct") via \(report.endpoint ?? "?")\(after)")
        } else {
            lines.append("natctl punch: \(report.outcome.rawValue): \(report.error ?? "no handshake")")
        }
        if !report.control.isEmpty {
            lines.append("  interface   \(report.interface) (\(report.control), port \(report.listenPort)), peer \(report.peer)")
        }
        if let server = report.server {
            lines.append("  rendezvous  \(server), strategy \(report.strategy ?? "-"), punch path \(report.punchPath ?? "-")")
        }
        if let mapping = report.publicMapping { lines.append("  mapping     WireGuard's port is \(mapping) to the server") }
        if let forwarder = report.forwarder { lines.append("  forwarder   WireGuard sends to \(forwarder); natctl carries it to the peer") }
        let width = report.attempts.map(\.endpoint.count).max() ?? 0
        for attempt in report.attempts {
            let padding = String(repeating: " ", count: max(0, width - attempt.endpoint.count))
            lines.append("  tried       \(attempt.endpoint)\(padding)  \(attempt.detail)")
        }
        if report.outcome == .success || report.restored {
            let was = report.originalEndpoint ?? "none"
            lines.append("  endpoint    " + (report.restored ? "original put back (\(was))\(report.forwarder == nil ? "" : " when the forwarder stopped")" : "\(report.endpoint ?? "?") left set (was \(was))"))
        }
        if let probe = report.probe {
            let rtt = probe.rttMs.map { ", fastest \($0) ms" } ?? ""
            lines.append("  probe       \(probe.received)/\(probe.sent) ICMP echoes to \(probe.ip) answered through the tunnel\(rtt)")
        }
        for warning in report.warnings { lines.append("  warning     \(warning)") }
        return lines.joined(separator: "\n")
    }
}
