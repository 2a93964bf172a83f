import NATCore

/// Human text for `relay test`.
enum RelayRendering {
    static func text(_ report: RelayTestReport) -> String {
        let over = report.transport == "tls-insecure" ? "tls (certificate not verified)" : report.transport
        var lines = ["TURN server \(report.server) over \(over)"]
        if let allocation = report.allocation {
            lines.append("  relayed address  \(allocation.relayedAddress) (lifetime \(allocation.lifetimeSeconds) s)")
            if let mapped = allocation.mappedAddress { lines.append("  your address     \(mapped), as the server sees it") }
            lines.append("  allocate         \(ms(allocation.allocateMs)) with the auth challenge; server RTT \(ms(allocation.serverRttMs))")
        }
        if let peer = report.echoPeer { lines.append("  echo peer        \(peer)\(report.channel.map { ", channel 0x" + String($0, radix: 16) } ?? "")") }
        if let echo = report.echo, let median = echo.medianRttMs {
            lines.append("  relayed RTT      median \(ms(median)) over \(echo.rttMs.count) echoes\(report.addedRttMs.map { " (+\(ms($0)) over the server RTT)" } ?? "")")
            if let burst = echo.burst {
                lines.append(
                    "  burst            \(burst.echoed)/\(burst.sent) echoed (\(String(format: "%.1f", burst.lossPercent))% loss) of \(burst.payloadBytes)-byte datagrams at \(burst.ratePerSecond)/s, \(String(format: "%.2f", burst.echoedMbitPerSecond)) Mbit/s")
            }
        }
        if let error = report.error { lines.append("  FAILED           \(error)") }
        return lines.joined(separator: "\n")
    }

    private static func ms(_ value: Double) -> String { String(format: "%.2f ms", value) }
}
