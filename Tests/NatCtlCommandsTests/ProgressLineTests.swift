import Foundation
import Testing

@testable import NatCtlCommands

/// The progress line `lab verify`, `classify --lifetime` and `punch` share: shown only on a
/// terminal and never with --json; colour never with NO_COLOR.
@Suite struct ProgressLineTests {
    @Test func shownOnlyOnATerminalWithoutJSON() {
        #expect(ProgressLine.mode(json: false, stderrIsTerminal: true, environment: [:]) == (true, true))
        #expect(ProgressLine.mode(json: true, stderrIsTerminal: true, environment: [:]) == (false, false))
        #expect(ProgressLine.mode(json: false, stderrIsTerminal: false, environment: [:]) == (false, false))
        #expect(ProgressLine.mode(json: false, stderrIsTerminal: true, environment: ["NO_COLOR": ""]) == (true, false))
        #expect(ProgressLine.mode(json: false, stderrIsTerminal: true, environment: ["TERM": "dumb"]) == (true, false))
    }

    @Test func statusSaysElapsedAndWhatIsLeftOfTheBudget() {
        #expect(
            ProgressLine.status("binding lifetime: idle", elapsed: .milliseconds(65_400), budget: .seconds(240))
                == "binding lifetime: idle · 1m05s elapsed, 2m55s of 4m00s left")
        #expect(ProgressLine.status("site a", elapsed: .seconds(7), budget: nil) == "site a · 7s elapsed")
        #expect(
            ProgressLine.status("late", elapsed: .seconds(9), budget: .seconds(5)) == "late · 9s elapsed, 0s of 5s left"
        )
        #expect(ProgressLine.clock(.seconds(3725)) == "1h02m")
        // A narrow terminal shortens what it waits for, never the times.
        let narrow = ProgressLine.status(
            String(repeating: "w", count: 100), elapsed: .seconds(3), budget: .seconds(60), width: 50)
        #expect(narrow.count == 49)
        #expect(narrow.hasSuffix("… · 3s elapsed, 57s of 1m00s left"))
    }

    /// Runs natctl under script(1), so its stderr is a terminal; the transcript has both streams.
    /// `environment` replaces TERM and NO_COLOR (the test runner may set either).
    static func onATerminal(_ arguments: [String], environment: [String: String] = [:]) throws -> String {
        let settings =
            ["-u", "NO_COLOR", "-u", "TERM"] + environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        let command = (["env"] + settings + [Subprocess.natctl] + arguments).joined(separator: " ")
        let output = try Subprocess.run("/usr/bin/script", ["-qfec", command, "/dev/null"])
        return output.stdout
    }

    /// A serverless punch to a peer that never answers: it waits out its 1 s timeout.
    static let lonelyPunch = ["punch", "--bind", "47011", "--peer", "127.0.0.1:47012", "--timeout", "1"]

    @Test(
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "needs script(1) for a terminal"))
    func punchShowsWhatItWaitsForOnATerminalOnly() throws {
        let terminal = try Self.onATerminal(Self.lonelyPunch, environment: ["TERM": "xterm"])
        #expect(terminal.contains("natctl punch: checking paths to the peer · "), "\(terminal)")
        #expect(terminal.contains("of 1s left"))
        #expect(terminal.contains("\u{1B}[2m"), "dimmed status line")
        #expect(terminal.contains("\r\u{1B}[K"), "the status line is cleared before the result")

        let plain = try Self.onATerminal(Self.lonelyPunch, environment: ["TERM": "xterm", "NO_COLOR": "1"])
        #expect(plain.contains("elapsed"))
        #expect(!plain.contains("\u{1B}[2m"), "no colour with NO_COLOR")

        let json = try Self.onATerminal(Self.lonelyPunch + ["--json"])
        #expect(json.contains("\"schema\""))
        #expect(!json.contains("elapsed"), "never in --json mode")

        let piped = try Subprocess.run(Subprocess.natctl, Self.lonelyPunch)
        #expect(!piped.stderr.contains("elapsed"), "not when stderr is a pipe")
        #expect(piped.stdout.contains("TIMEOUT"))
    }
}
