import Foundation
import NATLab
import Testing

/// The progress line of `lab verify` and `classify --lifetime` on a terminal (script(1) gives
/// natctl one), and its absence with --json.
extension LabTests {
    @Suite(
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "needs script(1) for a terminal"))
    struct ProgressLabTests {
        /// Runs `command` with stdout and stderr on a terminal; returns the transcript.
        static func onATerminal(_ command: [String]) throws -> String {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
            let line = (["env", "-u", "NO_COLOR", "TERM=xterm"] + command).joined(separator: " ")
            process.arguments = ["-qfec", line, "/dev/null"]
            let out = Pipe()
            process.standardOutput = out
            process.standardInput = FileHandle.nullDevice
            try process.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return String(decoding: data, as: UTF8.self)
        }

        @Test func labVerifyAndClassifyLifetimeSayWhatTheyWaitFor() async throws {
            try await LabFixture.with(name: "trprog", ["a=eim-apdf,udp-timeout=3"]) { lab in
                let verify = try Self.onATerminal([LabFixture.natctl, "lab", "verify", "--name", "trprog"])
                #expect(verify.contains("lab verify: site a, IPv4 (a mapping idles 4 s) · "), "\(verify)")
                #expect(verify.contains("elapsed"))
                #expect(verify.contains("lab verify: site a: behaves as labelled"))
                #expect(verify.contains("as labelled"))
                let quiet = try Self.onATerminal([LabFixture.natctl, "lab", "verify", "--name", "trprog", "--json"])
                #expect(!quiet.contains("elapsed"), "never with --json")
                #expect(quiet.contains("natctl.lab-verify/2"))

                let host = try lab.site("a").hostNamespace
                let lifetime = try Self.onATerminal(
                    ["ip", "netns", "exec", host, "env"] + LabRunner.environment(servers: lab.servers)
                        + [LabFixture.natctl, "classify", "--lifetime", "--timeout", "12"])
                #expect(lifetime.contains("binding lifetime: waiting for mappings to expire · "), "\(lifetime)")
                #expect(
                    lifetime.contains("of 11s left") || lifetime.contains("of 10s left"), "the budget left of --timeout"
                )
                #expect(
                    lifetime.contains("  binding lifetime: mapping gone after"), "the engine's events stay as lines")
                #expect(lifetime.contains("binding lifetime  "), "then the result")
            }
        }
    }
}
