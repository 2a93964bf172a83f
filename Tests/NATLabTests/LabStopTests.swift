import Foundation
import NATCore
import Testing

@testable import NATLab

/// `lab up` refuses to replace a running lab; `lab exec` passes signals on and reports how
/// its command ended as a shell would.
extension LabTests {
    @Suite struct LabStopTests {
        struct Output {
            var status: Int32
            var stdout: String
            var stderr: String
        }

        /// natctl in natctl's own namespace, both outputs read at once and off the cooperative pool.
        static func natctl(_ arguments: [String]) async throws -> Output {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: LabFixture.natctl)
            process.arguments = arguments
            let (out, err) = (Pipe(), Pipe())
            process.standardOutput = out
            process.standardError = err
            process.standardInput = FileHandle.nullDevice
            try process.run()
            let output = await Blocking.run {
                let output = PipeExchange.run(input: [], stdin: nil, stdout: out.fileHandleForReading, stderr: err.fileHandleForReading)
                process.waitUntilExit()
                return Output(
                    status: process.terminationStatus, stdout: String(decoding: output.stdout, as: UTF8.self),
                    stderr: String(decoding: output.stderr, as: UTF8.self))
            }
            return output
        }

        @Test func secondUpOfARunningLabIsRefusedUnlessReplace() async throws {
            try await LabFixture.with(name: "tdup", ["a=eim-apdf"]) { lab in
                let server = try #require(lab.serverPID)
                let again = try await Self.natctl(["lab", "up", "--name", "tdup", "--site", "a=eim-eif"])
                #expect(again.status == 2, "documented: the operation could not be done")
                #expect(again.stderr.contains("a lab named 'tdup' is already up"), "\(again.stderr)")
                #expect(again.stderr.contains("--replace"))
                #expect(again.stdout.isEmpty)
                #expect(try LabState.load("tdup").sites[0].behaviour == .eimAPDF, "the running lab is untouched")
                #expect(kill(server, 0) == 0, "its server still runs")
                #expect(throws: LabError.labRunning("tdup")) {
                    try LabBuilder.up(LabSpec(name: "tdup", sites: [.init(name: "a", behaviour: .eimEIF)]), natctl: LabFixture.natctl)
                }
                let replaced = try await Self.natctl(["lab", "up", "--name", "tdup", "--site", "a=eim-eif", "--replace", "--json"])
                #expect(replaced.status == 0, "\(replaced.stderr)")
                #expect(try LabState.load("tdup").sites[0].behaviour == .eimEIF)
                #expect(kill(server, 0) != 0, "the old lab's server is gone")
            }
        }

        /// `natctl lab exec` on site a, started from the lab's public namespace (any namespace
        /// does: it enters the site's by name).
        static func exec(_ lab: LabState, _ script: String) throws -> LabProcess {
            try LabProcess(namespace: lab.publicNamespace, [LabFixture.natctl, "lab", "exec", "--name", lab.name, "a", "--", "sh", "-c", script])
        }

        @Test func execPassesSignalsOnAndExitsWithTheCommandsStatus() async throws {
            try await LabFixture.with(name: "texec", ["a=eim-apdf"]) { lab in
                // A command that handles SIGINT: it gets it, and its own status comes back.
                let trapping = try Self.exec(lab, "trap 'echo got-INT; exit 5' INT; echo ready; while :; do sleep 0.1; done")
                _ = try trapping.readStdout(until: "ready")
                trapping.send(SIGINT)
                let trapped = await trapping.finish()
                #expect(trapped.status == 5)
                #expect(trapped.stdout.contains("got-INT"), "the command saw the forwarded SIGINT")
                let plain = try Self.exec(lab, "exit 7")
                #expect(await plain.finish().status == 7)
            }
        }

        @Test func execExitsWith128PlusTheSignalThatKilledTheCommand() async throws {
            try await LabFixture.with(name: "texsig", ["a=eim-apdf"]) { lab in
                // Killed by the signal natctl passed on: SIGTERM is 15, so 143.
                let sleeping = try Self.exec(lab, "echo ready; exec sleep 30")
                _ = try sleeping.readStdout(until: "ready")
                sleeping.send(SIGTERM)
                #expect(await sleeping.finish().status == 143)
                // Killed by a signal of its own (SIGKILL, 9): 137, not 2.
                let killed = try Self.exec(lab, "kill -KILL $$")
                #expect(await killed.finish().status == 137)
            }
        }
    }
}
