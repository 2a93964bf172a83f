import Foundation
import NATLab
import Testing

/// Runs `natctl punch --json` on sites a and b of a lab at once, with one fresh code.
struct PunchPair {
    var statuses: [Int32]
    var reports: [[String: Any]]

    /// Both runs go on Dispatch threads and are awaited, so no Swift concurrency thread blocks
    /// (other suites' async tests share those threads).
    /// Starts both sides at once (the server pairs them whoever registers first) and awaits both.
    static func outputs(_ state: LabState, a: [String], b: [String], common: [String]) async throws -> (LabFixture.Output, LabFixture.Output) {
        let first = try LabProcess(state, site: "a", ["punch", "--json"] + common + a, captureStderr: false)
        let second = try LabProcess(state, site: "b", ["punch", "--json"] + common + b, captureStderr: false)
        async let outputA = first.finish()
        async let outputB = second.finish()
        return await (outputA, outputB)
    }

    static func run(_ state: LabState, _ arguments: [String]) async throws -> PunchPair {
        let code = ["--code", "\(Int.random(in: 1000...9999))-grid-test-words"]
        let (a, b) = try await outputs(state, a: code, b: code, common: arguments)
        return PunchPair(statuses: [a.status, b.status], reports: try [a, b].map { try LabFixture.json($0.stdout) })
    }

    var outcomes: [String] { reports.map { $0["outcome"] as? String ?? "?" } }
    var errors: [String] { reports.map { ($0["error"] as? [String: Any])?["message"] as? String ?? "" } }
    var succeeded: Bool { outcomes == ["SUCCESS", "SUCCESS"] && statuses == [0, 0] }

    /// "direct" or "relayed" when both sides agree, else what each saw.
    var kind: String {
        let paths = reports.map { ($0["path"] as? String).map { $0.hasPrefix("direct") ? "direct" : $0 } ?? "none" }
        return Set(paths).count == 1 ? paths[0] : paths.joined(separator: "/")
    }

    /// The slower side's time to connect, from the first check.
    var connectMs: Double { reports.map { $0["connect_ms"] as? Double ?? .nan }.max() ?? .nan }
    /// Checks (and many-ports probes) both sides sent.
    var packets: Int { reports.map { ($0["packets"] as? [String: Any])?["checks_sent"] as? Int ?? 0 }.reduce(0, +) }
    var strategy: String { reports.first?["strategy"] as? String ?? "-" }

    static let header = "site a         site b         expected  result    strategy           connect_ms  packets"

    func row(a: String, b: String, expected: String) -> String {
        let result = succeeded ? kind : outcomes.joined(separator: "/")
        return [a.padded(15), b.padded(15), expected.padded(10), result.padded(10), strategy.padded(19), (connectMs.isFinite ? String(Int(connectMs)) : "-").padded(12), "\(packets)"].joined()
    }

    var summary: String { "outcomes \(outcomes), path \(kind), errors \(errors), strategy \(strategy)" }
}

extension String {
    func padded(_ width: Int) -> String { count >= width ? self + " " : self + String(repeating: " ", count: width - count) }
}
