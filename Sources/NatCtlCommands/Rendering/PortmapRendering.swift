import NATCore
import NATWire

/// Human text for `natctl portmap` and probe's port-mapping lines.
enum PortmapRendering {
    static func text(_ report: PortMapCommandReport) -> String {
        var lines: [String] = []
        if let gateway = report.gateway { lines.append("gateway \(gateway), this host \(report.localAddress ?? "?")") }
        for attempt in report.attempts { lines.append("  \(attempt.protocol.displayName): \(attempt.error.message)") }
        switch report.action {
        case "add":
            if let mapping = report.mapping, let kind = report.protocol {
                lines.append("mapped with \(kind.displayName): \(describe(mapping))")
                if let nonce = mapping.nonceHex, kind == .pcp {
                    lines.append("  PCP nonce \(nonce) (portmap delete --nonce needs it)")
                }
            }
            if let renewals = report.renewals { lines.append("renewed \(renewals) time\(renewals == 1 ? "" : "s"), stopped by \(report.stoppedBy ?? "?")") }
            if let deleted = report.deleted { lines.append(deleted ? "mapping deleted" : "mapping NOT deleted (it expires on its own)") }
        case "delete":
            if report.deleted == true, let kind = report.protocol { lines.append("deleted with \(kind.displayName)") }
        default:
            let rows = (report.mappings ?? []).map { mapping -> [String] in
                [mapping.transport.rawValue, "\(mapping.externalPort)", "\(mapping.internalAddress):\(mapping.internalPort)",
                 mapping.lifetimeSeconds == 0 ? "permanent" : "\(mapping.lifetimeSeconds) s", mapping.description ?? ""]
            }
            if report.mappings != nil {
                lines.append(contentsOf: rows.isEmpty ? ["no mappings"] : Table.render(header: ["proto", "external port", "to", "lease", "description"], rows: rows))
            }
        }
        lines.append(contentsOf: report.warnings.map { "warning: \($0)" })
        return lines.joined(separator: "\n")
    }

    static func describe(_ mapping: PortMapping) -> String {
        let external = mapping.externalAddress.map { "\($0):\(mapping.externalPort)" } ?? "port \(mapping.externalPort)"
        let lifetime = mapping.lifetimeSeconds == 0 ? "until deleted" : "for \(mapping.lifetimeSeconds) s"
        return "\(external) → \(mapping.internalAddress):\(mapping.internalPort) \(mapping.transport.rawValue), \(lifetime)"
    }

    /// probe's lines: like netcheck's `PortMapping:` line, then one line per protocol.
    static func probeLines(_ report: PortMapReport) -> [String] {
        if let error = report.error { return ["Port mapping: not asked (\(error.message))"] }
        let offered = report.offered.map(\.displayName)
        var lines = ["Port mapping: \(offered.isEmpty ? "none offered" : offered.joined(separator: ", ")) (gateway \(report.gateway ?? "?"))"]
        for result in report.protocols {
            var parts: [String] = []
            if let address = result.externalAddress { parts.append("external \(address)\(result.externalIsPublic == false ? " (NOT public)" : "")") }
            if let detail = result.detail { parts.append(detail) }
            if let mapping = result.testMapping { parts.append("test mapping \(describe(mapping))\(result.testMappingDeleted == true ? ", deleted" : "")") }
            if let error = result.testMappingError { parts.append("test mapping failed: \(error.message)") }
            if let error = result.error { parts.append(result.answered ? error.message : "no answer") }
            lines.append("  \(result.protocol.displayName): \(result.usable.map { $0 ? "usable" : (result.answered ? "answers, not usable" : "absent") } ?? "answers (external address unknown)"); \(parts.joined(separator: "; "))")
        }
        lines.append(contentsOf: report.warnings.map { "  warning: \($0)" })
        return lines
    }
}
