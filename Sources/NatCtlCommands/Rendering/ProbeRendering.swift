import NATCore

/// Human text for `natctl probe`.
enum ProbeRendering {
    static func text(_ report: ProbeReport) -> String {
        var lines: [String] = []
        let rows = report.servers.map { result -> [String] in
            let name = result.purpose == "server" ? result.server : "  \(result.server) via \(result.purpose.replacingOccurrences(of: "_", with: " "))"
            let target = result.address ?? "-"
            let seen = result.mapped ?? "no answer"
            let rtt = result.rttMs.map { String(format: "%.1f ms", $0) } ?? "-"
            let sent = result.transmissions.map(String.init) ?? "-"
            return [name, target, seen, rtt, sent]
        }
        lines.append(contentsOf: Table.render(header: ["server", "address", "seen as", "rtt", "sent"], rows: rows))
        for result in report.servers where result.error != nil && result.purpose == "server" {
            lines.append("  \(result.server): \(result.error ?? "")")
        }
        // The rest of what the JSON has, where a server said it.
        for result in report.servers where result.purpose == "server" {
            let details = [
                result.otherAddress.map { "alternate address \($0)" },
                result.responseOrigin.flatMap { $0 == result.address ? nil : "answered from \($0)" },
                result.software.map { "software \"\($0)\"" },
            ].compactMap { $0 }
            if !details.isEmpty { lines.append("  \(result.server): \(details.joined(separator: ", "))") }
        }
        if !report.localSockets.isEmpty { lines.append("  from \(report.localSockets.joined(separator: ", "))") }
        lines.append("")
        let facts: [(String, String)] = [
            ("UDP", yesNo(report.udp, yes: "works", no: "blocked or no server reachable")),
            ("IPv4", family(report.ipv4, report.publicIpv4)),
            ("IPv6", family(report.ipv6, report.publicIpv6)),
            ("Mapping varies by destination IP", yesNo(report.mappingVariesByDestIp)),
            ("Mapping varies by destination port", yesNo(report.mappingVariesByDestPort)),
            ("Local port preserved", yesNo(report.portPreserved)),
            ("No NAT (servers see this host's own address)", yesNo(report.noNat)),
        ]
        let width = facts.map(\.0.count).max() ?? 0
        for (label, value) in facts { lines.append("\(label.padding(toLength: width, withPad: " ", startingAt: 0))  \(value)") }
        if let streams = report.streams { lines.append(contentsOf: streamLines(streams, udp: report.udp)) }
        for node in report.libp2p ?? [] { lines.append(contentsOf: libp2pLines(node)) }
        if let portMapping = report.portMapping { lines.append(contentsOf: PortmapRendering.probeLines(portMapping)) }
        for requirement in report.requirements {
            lines.append("require \(requirement.condition): \(requirement.met.map { $0 ? "met" : "NOT met" } ?? "NOT CHECKED (\(requirement.reason ?? ""))")")
        }
        lines.append(String(format: "(%.0f ms)", report.durationMs))
        return lines.joined(separator: "\n")
    }

    /// One line per server and transport, then the sentence that matters where UDP is blocked.
    private static func streamLines(_ streams: [ProbeReport.StreamResult], udp: Bool?) -> [String] {
        var lines: [String] = []
        for result in streams {
            let over = result.transport == "tls-insecure" ? "TLS (certificate not verified)" : result.transport.uppercased()
            let outcome =
                result.reachable
                ? "reaches \(result.address ?? result.server)\(result.rttMs.map { String(format: ", rtt %.1f ms", $0) } ?? ""), seen as \(result.mapped ?? "?")"
                : "no: \(result.error ?? "no answer")"
            lines.append("\(over) to \(result.server), port \(result.port): \(outcome)")
        }
        let reached = streams.filter(\.reachable).map { "\($0.transport == "tls-insecure" ? "TLS" : $0.transport.uppercased()) \($0.port)" }
        if udp != true, !reached.isEmpty {
            let distinct = reached.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            let verb = distinct.count == 1 ? "reaches" : "reach"
            lines.append(
                "UDP \(udp == false ? "gets no answer" : "was not tested"), but \(distinct.joined(separator: " and ")) \(verb) the server: TURN over TCP or TLS will get through")
        }
        return lines
    }

    /// A libp2p node: who it is and where it sees us, or why it could not be asked.
    private static func libp2pLines(_ node: ProbeReport.Libp2pResult) -> [String] {
        guard node.reachable else { return ["libp2p \(node.address): no: \(node.error ?? "no answer")"] }
        let rtt = node.rttMs.map { String(format: ", rtt %.1f ms", $0) } ?? ""
        let checked = node.identityVerified == nil ? " (identity signature not checked: not an Ed25519 key)" : ""
        return [
            "libp2p \(node.address): \(node.agentVersion ?? "no agent version")\(rtt), sees us as \(node.observed ?? "(no observed address)")",
            "  peer \(node.peerID ?? "?")\(checked); \(node.protocols.count) protocols; listens on \(node.listenAddrs.isEmpty ? "nothing it says" : node.listenAddrs.joined(separator: " "))",
        ]
    }

    private static func yesNo(_ value: Bool?, yes: String = "yes", no: String = "no") -> String {
        value.map { $0 ? yes : no } ?? "not checked"
    }

    private static func family(_ works: Bool?, _ address: String?) -> String {
        switch works {
        case true?: "works, seen as \(address ?? "?")"
        case false?: "no answer"
        case nil: "not tested"
        }
    }
}

/// Left-aligned text columns separated by two spaces.
enum Table {
    static func render(header: [String], rows: [[String]]) -> [String] {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
    }
}
