import NATLab

/// Human text for the lab commands.
enum LabRendering {
    static func status(_ state: LabState) -> String {
        var lines = ["lab '\(state.name)': server \(state.servers.joined(separator: ", ")) in \(state.publicNamespace)"]
        lines += Table.render(
            header: ["site", "behaviour", "host address", "public address", "host namespace"],
            rows: state.sites.map { [$0.name, $0.behaviour.rawValue, $0.hostAddress, $0.publicAddress, $0.hostNamespace] })
        if state.lossPercent > 0 { lines.append("loss: \(state.lossPercent)% each way on every router") }
        if let delay = state.delayMilliseconds, delay > 0 || (state.jitterMilliseconds ?? 0) > 0 {
            lines.append("delay: \(delay) ms ± \(state.jitterMilliseconds ?? 0) ms each way on every WAN link (natctl lab wire)")
        }
        return lines.joined(separator: "\n")
    }

    static func verification(_ report: LabVerification) -> String {
        var lines = Table.render(
            header: ["site", "behaviour", "udp", "mapping", "filtering", "public ip", "verdict"],
            rows: report.sites.map {
                [
                    $0.site, $0.behaviour, $0.observedUdp ? "yes" : "no", $0.observedMapping ?? "-",
                    $0.observedFiltering ?? "-", $0.observedPublicIp ?? "-", $0.passed ? "as labelled" : "MISMATCH",
                ]
            })
        for site in report.sites where !site.passed {
            lines.append("site \(site.site): expected mapping \(site.expectedMapping ?? "-"), filtering \(site.expectedFiltering ?? "-"), public \(site.expectedPublicIp)")
            lines += site.evidence.map { "  \($0)" }
        }
        return lines.joined(separator: "\n")
    }
}
