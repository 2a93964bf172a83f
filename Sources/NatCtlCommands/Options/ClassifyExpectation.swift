import ArgumentParser
import NATCore

/// One `--expect KEY=VALUE` condition of `natctl classify`, checked against the verdict.
struct ClassifyExpectation: ExpressibleByArgument, Sendable {
    /// Keys and the values each accepts (RFC 4787 abbreviations or full names).
    static let accepted: [String: [String]] = [
        "udp": ["yes", "no"],
        "nat": ["yes", "no"],
        "mapping": MappingBehaviour.allCases.flatMap { [$0.abbreviation, $0.rawValue] },
        "filtering": FilteringBehaviour.allCases.flatMap { [$0.abbreviation, $0.rawValue] },
        "ports": ["preserved", "sequential", "random"],
        "hairpin": ["yes", "no"],
        "rfc3489": [
            "open-internet", "symmetric-udp-firewall", "full-cone", "restricted-cone", "port-restricted-cone", "symmetric",
            "none", "udp-blocked",
        ],
        "punching": ["not-needed", "easy", "order-sensitive", "predictable", "hard", "impossible"],
        "reachability": ["public", "private", "unknown"],
    ]

    let key: String
    let value: String
    let argument: String

    init?(argument: String) {
        let parts = argument.split(separator: "=", maxSplits: 1).map { String($0).lowercased() }
        guard parts.count == 2, let values = Self.accepted[parts[0]], values.contains(parts[1]) else { return nil }
        key = parts[0]
        value = parts[1]
        self.argument = argument
    }

    static var allValueStrings: [String] { accepted.keys.sorted().map { "\($0)=…" } }

    static var helpText: String {
        accepted.keys.sorted().map { "\($0)=\(accepted[$0]?.joined(separator: "|") ?? "")" }.joined(separator: "; ")
    }

    /// The verdict's value for this key, in the same spelling `--expect` uses; nil when undecided.
    func observed(in report: ClassifierReport) -> String? {
        switch key {
        case "udp": report.udp.map { $0 ? "yes" : "no" }
        case "nat": report.noNat.map { $0 ? "no" : "yes" }
        case "mapping":
            // "endpoint-dependent" rules out eim but has not told adm from apdm: not checked for those.
            report.mapping.value.flatMap { observed in
                observed == .endpointDependent && ["adm", "apdm"].contains(MappingBehaviour(expected: value)?.abbreviation ?? "")
                    ? nil : (value.count <= 4 ? observed.abbreviation : observed.rawValue)
            }
        case "filtering": report.filtering.value.map { value.count <= 4 ? $0.abbreviation : $0.rawValue }
        case "ports": report.portAllocation.value?.kind.rawValue
        case "hairpin": report.hairpin.value.map { $0 ? "yes" : "no" }
        case "rfc3489": report.rfc3489
        case "punching": report.holePunching.value
        case "reachability": report.reachability?.overall
        default: nil
        }
    }

    /// Whether the verdict has the expected value: nil when it was not checked. Nothing is
    /// checked when the server never answered: a dead server looks like blocked UDP, so even
    /// `udp=no` is not "met" then.
    func isMet(by report: ClassifierReport) -> Bool? {
        guard report.udp == true else { return nil }
        return observed(in: report).map { $0 == value }
    }

    /// The `expectations` record: `met` null with the reason when it was not checked.
    func result(for report: ClassifierReport) -> ProbeReport.RequirementResult {
        let reason =
            report.udp == true
            ? "\(key) was not decided (see its evidence)" : "the server never answered, so nothing was checked (a dead server looks like blocked UDP)"
        return .init(condition: argument, met: isMet(by: report), reason: reason)
    }

    /// Why the run fails: an expectation not checked (2, with the cause when nothing answered),
    /// one that did not hold (1), or no answer at all (2); nil when classify did its job.
    static func failure(_ expectations: [ClassifyExpectation], _ report: ClassifierReport, noAnswer: CommandFailure?) -> CommandFailure? {
        let results = expectations.map { ($0, $0.isMet(by: report)) }
        let unchecked = results.filter { $0.1 == nil }.map(\.0)
        if !unchecked.isEmpty {
            let list = unchecked.map(\.argument).joined(separator: ", ")
            if let noAnswer { return CommandFailure(noAnswer.code, "expectation not checked: \(list); \(noAnswer.message)") }
            return CommandFailure(.notChecked, "expectation not checked: \(list) (undecided; see the evidence)")
        }
        let failed = results.filter { $0.1 == false }.map(\.0)
        if !failed.isEmpty {
            let detail = failed.map { "\($0.key) is \($0.observed(in: report) ?? "undecided"), expected \($0.value)" }
            return CommandFailure(.assertionFailed, "expectation not met: \(detail.joined(separator: "; "))")
        }
        return noAnswer
    }
}

extension MappingBehaviour {
    /// The behaviour an `--expect mapping=` value names, by abbreviation or full name.
    init?(expected: String) {
        guard let match = Self.allCases.first(where: { $0.abbreviation == expected || $0.rawValue == expected }) else { return nil }
        self = match
    }
}
