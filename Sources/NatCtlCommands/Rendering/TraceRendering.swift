import Foundation
import NATCapture

/// Human text for `natctl trace`: the capture in one line, the findings (with the evidence the
/// JSON carries: frames, endpoints, who), the packets (one row per datagram, with the places a
/// lab capture saw it), then the interfaces and the operation.
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
        if !report.localAddresses.isEmpty { lines.append("this host: \(report.localAddresses.joined(separator: ", "))") }
        if let signal = report.interrupted { lines.append("stopped early by \(signal): this is what was captured until then") }
        if let notKept = report.packetsNotKept, notKept > 0 {
            lines.append("\(notKept) more packet\(notKept == 1 ? " was" : "s were") seen after the capture limit and not kept (--capture-limit)")
        }
        if let file = report.file { lines.append("written to \(file)") }
        lines.append("")
        lines += findings(report)
        if limit > 0, !report.timeline.isEmpty {
            lines.append("")
            lines += timeline(report, limit: limit)
        }
        lines.append("")
        lines += interfaces(report)
        if let operation = report.operation {
            lines.append("operation: natctl \(operation.command.joined(separator: " ")) exited \(operation.exitCode)\(operation.report == nil ? "" : " (its JSON report is in trace --json)")")
        }
        return lines.joined(separator: "\n")
    }

    static func findings(_ report: TraceReport) -> [String] {
        guard !report.findings.isEmpty else { return ["findings: none (no STUN, punch, ICMP or WireGuard traffic to explain)"] }
        var lines = ["findings:"]
        for finding in report.findings {
            let mark = switch finding.severity {
            case .problem: "✗"
            case .warning: "!"
            case .info: "·"
            }
            lines.append("  \(mark) \(finding.sentence)")
            var evidence = ["\(finding.severity.rawValue) \(finding.kind.rawValue)"]
            if !finding.frames.isEmpty { evidence.append("frame\(finding.frames.count == 1 ? "" : "s") \(finding.frames.map(String.init).joined(separator: ", "))") }
            if let local = finding.local { evidence.append("local \(local)") }
            if let remote = finding.remote { evidence.append("remote \(remote)") }
            if let by = finding.by { evidence.append("by \(by)") }
            lines.append("    [\(evidence.joined(separator: "; "))]")
        }
        return lines
    }

    /// One row per datagram; a datagram seen in several places lists them (and the addresses
    /// there, when a NAT changed them). Background traffic comes last.
    static func timeline(_ report: TraceReport, limit: Int) -> [String] {
        var lines: [String] = []
        let width = report.timeline.prefix(limit).map(\.interface.count).max() ?? 0
        var backgroundStarted = false
        for entry in report.timeline.prefix(limit) {
            if entry.background, !backgroundStarted {
                backgroundStarted = true
                lines.append("  not the operation's (neighbour discovery, router solicitations, …):")
            }
            let time = String(entry.timeMs.formatted(.number.precision(.fractionLength(1)))).leftPadded(to: 9)
            let direction = (entry.direction ?? "").padding(toLength: 3, withPad: " ", startingAt: 0)
            let route = "\(entry.source ?? "?") → \(entry.destination ?? "?")"
            lines.append("\(String(entry.frame).leftPadded(to: 5)) \(time) ms  \(entry.interface.padding(toLength: width, withPad: " ", startingAt: 0))  \(direction) \(route)  \(entry.summary)")
            if entry.hops.count > 1 {
                var previous = (entry.source, entry.destination)
                let path = entry.hops.dropFirst().map { hop -> String in
                    defer { previous = (hop.source, hop.destination) }
                    let changed = (hop.source, hop.destination) != previous
                    let time = hop.timeMs.formatted(.number.precision(.fractionLength(1)))
                    return "\(hop.interface) #\(hop.frame) \(time) ms" + (changed ? " as \(hop.source ?? "?") → \(hop.destination ?? "?")" : "")
                }
                lines.append(String(repeating: " ", count: 19) + "also seen on " + path.joined(separator: ", "))
            }
        }
        if report.timeline.count > limit {
            lines.append("  … \(report.timeline.count - limit) more (--packets N lists more; --json and --write have them all)")
        }
        return lines
    }

    static func interfaces(_ report: TraceReport) -> [String] {
        var lines = ["interfaces:"]
        for interface in report.interfaces {
            var facts = ["\(interface.packets) packet\(interface.packets == 1 ? "" : "s")", interface.linkType]
            if interface.local { facts.append("this host") }
            if !interface.addresses.isEmpty { facts.append(interface.addresses.joined(separator: ", ")) }
            if let kernel = interface.kernelDrops { facts.append("\(kernel) dropped by the kernel") }
            if let dropped = interface.interfaceDrops { facts.append("\(dropped) dropped by the interface") }
            lines.append("  \(interface.name): \(facts.joined(separator: "; "))")
        }
        return lines
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
