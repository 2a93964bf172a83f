import Foundation
import Testing

@testable import NATLab

/// HostCommand moves stdin, stdout and stderr at once: a child that fills one pipe while natctl
/// waits on another must not deadlock. No root needed: the children are plain shell commands.
@Suite struct HostCommandTests {
    /// Two megabytes: thirty times a pipe's 64 KiB buffer.
    static let big = 2_000_000

    @Test func aChildThatFillsStderrBeforeWritingStdoutCompletes() async throws {
        let stdout = try await Deadline.run(within: 20) {
            try HostCommand.run(["sh", "-c", "head -c \(Self.big) /dev/zero | tr '\\0' e >&2; echo done"])
        }
        #expect(stdout == "done\n")
    }

    @Test func aFailingChildsLargeStderrIsKeptWhole() async throws {
        let error = try await Deadline.run(within: 20) { () -> LabError? in
            do throws(LabError) {
                try HostCommand.run(["sh", "-c", "head -c \(Self.big) /dev/zero | tr '\\0' e >&2; echo out; exit 3"])
                return nil
            } catch { return error }
        }
        guard case .commandFailed(command: _, let status, let stderr) = error else {
            Issue.record("expected commandFailed, got \(String(describing: error))")
            return
        }
        #expect(status == 3)
        #expect(stderr.utf8.count == Self.big)
        #expect(stderr.allSatisfy { $0 == "e" })
    }

    @Test func inputIsFedWhileBothOutputsAreRead() async throws {
        // tee answers as it reads: with input written first, it would block on a full stdout
        // while natctl blocks writing its input.
        let input = String(repeating: "natctl-lab\n", count: 100_000)
        let stdout = try await Deadline.run(within: 20) {
            try HostCommand.run(["sh", "-c", "tee /dev/stderr"], input: input)
        }
        #expect(stdout.utf8.count == input.utf8.count)
        #expect(stdout == input)
    }

    @Test func aChildThatIgnoresItsInputDoesNotKillNatctl() async throws {
        // Writing to a pipe nobody reads raises SIGPIPE; HostCommand must survive it.
        let stdout = try await Deadline.run(within: 20) {
            try HostCommand.run(["sh", "-c", "exec 0<&-; echo closed"], input: String(repeating: "x", count: Self.big))
        }
        #expect(stdout == "closed\n")
    }
}
