import NATCapture

/// Human text for `natctl trace`: the capture in one line, the packets, then the findings.
enum TraceRendering {
    static func text(_ report: TraceReport, packets limit: Int) -> String {
        var lines: [String] = []
        let local = report.interfaces.filter(\.local).map { interface in
            interface.addresses.isEmpty ? interface.name : "\(interface.name) (\(interface.addresses.prefix(2).joined(separator: ", ")))"
        }
        let others = report.interfaces.count - report.interfaces.filter(\.local).count
        var where_ = local.joined(separator: ", ")
        if others > 0 { where_ += " and \(others) lab interface\(others == 1 ? "" : "s")" }
        let drops = report.kernelDrops.map { $0 == 0 ? "none dropped by the kernel" : "\($0) DROPPED by the kernel (the capture fell behind)" } ?? "drops not recorded"
        let source = report.source == "live" ? "captured" : "read from \(report.source)"
        lines.append("trace: \(report.packets) packet\(report.packets == 1 ? "" : "s") \(source) on \(where_.isEmpty ? "no interface" : where_); \(drops)")
        if let signal = report.interrupted { lines.append("stopped early by \(signal): this is what was captured until then") }
        if let notKept = report.packetsNotKept, notKept > 0 {
            lines.append("\(notKept) more packet\(notKept == 1 ? " was" : "s were") seen after the capture limit and not kept (--capture-limit)")
        }
        if let file = report.file { lines.append("written to \(file)") }
        if limit > 0, !report.timeline.isEmpty {
            lines.append("")
            let width = report.timeline.map(\.interface.count).max() ?? 0
            for entry in report.timeline.prefix(limit) {
                let time = String(entry.timeMs.formatted(.number.precision(.fractionLength(1)))).leftPadded(to: 9)
                let direction = (entry.direction ?? "").padding(toLength: 3, withPad: " ", startingAt: 0)
                let route = "\(entry.source ?? "?") → \(entry.destination ?? "?")"
                lines.append("\(String(entry.frame).leftPadded(to: 5)) \(time) ms  \(entry.interface.padding(toLength: width, withPad: " ", startingAt: 0))  \(direction) \(route)  \(entry.summary)")
            }
            if report.timeline.count > limit { lines.append("  … \(report.timeline.count - limit) more (--packets N lists more; --write saves them all)") }
        }
        lines.append("")
        if report.findings.isEmpty {
            lines.append("findings: none (no STUN, punch, ICMP or WireGuard traffic to explain)")
        } else {
            lines.append("findings:")
            for finding in report.findings {
                let mark = switch finding.severity {
                case .problem: "✗"
                case .warning: "!"
                case .info: "·"
                }
                lines.append("  \(mark) \(finding.sentence)")
            }
        }
        return lines.joined(separator: "\n")
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
