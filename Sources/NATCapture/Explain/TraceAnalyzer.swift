import NATWire

/// Runs every explanation rule over a decoded capture. Pure: the same packets always give
/// the same findings, which is what lets crafted captures test each rule.
public enum TraceAnalyzer {
    public static func findings(_ context: TraceContext) -> [TraceFinding] {
        let icmpFlows = ICMPRules.flows(context)
        let mappings = TranslationRules.mappings(context)
        let expected = ExpectedProbes(context)
        let filtering = FilteringRules.findings(context, expected: expected)
        let all = ICMPRules.findings(context, expected: expected)
            + TransactionRules.findings(context, icmpFlows: icmpFlows, expected: expected)
            + HairpinRules.findings(context, expected: expected)
            + filtering.findings
            + NATDropRules.findings(context, mappings: mappings, expected: expected, covered: filtering.covered)
            + TranslationRules.findings(mappings)
            + PunchRules.findings(context, mappings: mappings, expected: expected)
            + WireGuardRules.findings(context)
            + TCPRules.findings(context)
        // Problems first, then by where their evidence starts in the capture.
        return all.enumerated().sorted { lhs, rhs in
            if lhs.element.severity != rhs.element.severity { return lhs.element.severity < rhs.element.severity }
            let l = lhs.element.frames.first ?? .max
            let r = rhs.element.frames.first ?? .max
            return l != r ? l < r : lhs.offset < rhs.offset
        }.map(\.element)
    }

    /// The whole explanation of a capture as a report value.
    public static func report(_ capture: Capture, locals: Set<IPAddress> = [], source: String) -> TraceReport {
        let packets = PacketDecoder.decode(capture)
        let context = TraceContext(packets: packets, interfaces: capture.interfaces, locals: locals)
        return TraceReport(capture: capture, context: context, findings: findings(context), source: source)
    }
}
