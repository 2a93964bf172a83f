import Foundation
import NATCore

/// Human text for `natctl classify`: one line per finding with its confidence, then the evidence.
enum ClassifyRendering {
    static func text(_ report: ClassifierReport) -> String {
        var lines = ["NAT toward \(report.server)" + (report.otherAddress.map { " (alternate \($0))" } ?? "")]
        if report.udp != true {
            lines.append("  UDP: no answer — \(report.error?.message ?? report.mapping.evidence.first ?? "")")
        }
        var rows: [[String]] = []
        func row(_ label: String, _ value: String?, _ confidence: Double?) {
            rows.append([label, value ?? "undecided", confidence.map { String(format: "%.3g", $0) } ?? ""])
        }
        row("public address", report.publicAddress, nil)
        row("no NAT", report.noNat.map { $0 ? "yes" : "no" }, nil)
        row("mapping", report.mapping.value.map { "\($0.rawValue) (\($0.abbreviation.uppercased()))" }, report.mapping.confidence)
        row("filtering", report.filtering.value.map { "\($0.rawValue) (\($0.abbreviation.uppercased()))" }, report.filtering.confidence)
        row("port allocation", report.portAllocation.value.map(portText), report.portAllocation.confidence)
        row("hairpinning", report.hairpin.value.map { $0 ? "yes" : "no" }, report.hairpin.confidence)
        row("inbound claims mapping", report.inboundClaimsMapping.value.map { $0 ? "yes" : "no" }, report.inboundClaimsMapping.confidence)
        row("binding lifetime", report.lifetimeMs.value.map { String(format: "%.1f s", $0 / 1000) }, report.lifetimeMs.confidence)
        if let reachability = report.reachability { row("reachability", reachability.overall, nil) }
        if let autonat = report.autonat { row("libp2p AutoNAT", autonat.overall, nil) }
        row("RFC 3489 name", report.rfc3489, nil)
        row("hole punching", report.holePunching.value, report.holePunching.confidence)
        lines += Table.render(header: ["", "verdict", "confidence"], rows: rows).map { "  " + $0 }
        let rtt = report.rttMs.map { String(format: "%.1f ms", $0) } ?? "-"
        let loss = report.lossEstimate.map { String(format: "%.0f%%", $0 * 100) } ?? "-"
        lines.append("  round trip \(rtt), loss estimate \(loss), \(report.tests.count) tests in \(String(format: "%.0f", report.durationMs)) ms")
        for warning in report.warnings { lines.append("  warning: \(warning)") }
        lines.append("")
        lines.append("servers:")
        lines += Table.render(
            header: ["server", "mapped", "alternate", "rtt", "note"],
            rows: report.servers.map { server in
                [
                    server.server + (server.fullTests ? " *" : ""), server.mapped ?? "-", server.otherAddress ?? "-",
                    server.rttMs.map { String(format: "%.1f ms", $0) } ?? "-", server.error ?? server.note ?? "",
                ]
            }
        ).map { "  " + $0 }
        if report.servers.contains(where: \.fullTests) { lines.append("  * ran the RFC 5780 tests") }
        lines.append("")
        lines.append("evidence:")
        let findings: [(String, [String])] = [
            ("mapping", report.mapping.evidence), ("filtering", report.filtering.evidence),
            ("port allocation", report.portAllocation.evidence), ("hairpinning", report.hairpin.evidence),
            ("inbound claims mapping", report.inboundClaimsMapping.evidence),
            ("hole punching", report.holePunching.evidence),
        ]
        for (name, evidence) in findings {
            lines.append("  \(name):")
            lines += evidence.map { "    \($0)" }
        }
        lines.append("")
        lines.append("tests:")
        lines += Table.render(
            header: ["test", "from", "to", "change", "sent", "outcome", "answered from", "mapped", "rtt"],
            rows: report.tests.map { test in
                [
                    test.test, test.from, test.to, test.change ?? "-", "\(test.transmissions)",
                    test.errorCode.map { "error \($0)" } ?? test.outcome, test.answeredFrom ?? "-", test.mapped ?? "-",
                    test.rttMs.map { String(format: "%.1f ms", $0) } ?? "-",
                ]
            }
        ).map { "  " + $0 }
        for port in report.reachability?.ports ?? [] {
            lines.append("  dial-back \(port.transport)/\(port.port): \(port.result) (\(port.detail))")
        }
        if let autonat = report.autonat {
            lines.append("")
            lines.append("AutoNAT (listening on \(autonat.listen)): \(autonat.overall), \(autonat.evidence.joined(separator: "; "))")
            lines += Table.render(
                header: ["node", "answer", "dial-back", "verdict", "why"],
                rows: autonat.nodes.map { node in
                    [node.peerID.map { "…" + $0.suffix(8) } ?? node.address, node.status ?? node.errorCode ?? "-", node.dialBackArrived ? "arrived" : "none",
                     node.reachability, node.evidence]
                }
            ).map { "  " + $0 }
        }
        for expectation in report.expectations {
            lines.append("expect \(expectation.condition): \(expectation.met.map { $0 ? "met" : "NOT met" } ?? "NOT CHECKED (\(expectation.reason ?? ""))")")
        }
        return lines.joined(separator: "\n")
    }

    private static func portText(_ value: PortAllocationValue) -> String {
        switch value.kind {
        case .sequential: "sequential, +\(value.delta ?? 0) per mapping"
        case .preserved: "preserved (external port = local port)"
        case .random: "random"
        }
    }
}
