import Foundation
import NATLab
import Testing

extension LabTests {
    /// TURN through real kernel NATs: the case relays exist for.
    @Suite struct RelayLabTests {
        /// Both hosts sit behind symmetric NATs (no direct path can be punched); each allocates
        /// on the lab's relay and they talk relay to relay, both ways.
        @Test func twoHostsBehindSymmetricNATsTalkThroughTheRelay() async throws {
            try await LabFixture.with(name: "trelay", ["a=apdm-apdf", "b=apdm-apdf"]) { state in
                let server = try #require(state.servers.first?.split(separator: ":").first.map(String.init))
                let listener = try LabProcess(state, site: "a", ["relay", "connect", "--accept", server, "--linger", "0"])
                defer { listener.stop() }
                let relayedA = try listener.relayedAddress()
                let caller = try LabProcess(state, site: "b", ["relay", "connect", "--peer", relayedA, "--linger", "0"])
                defer { caller.stop() }
                let relayedB = try caller.relayedAddress()
                #expect(relayedA != relayedB)

                caller.write("hello from b\n")
                #expect(try listener.readStdout(until: "hello from b").contains("hello from b"))
                listener.write("hello from a\n")
                #expect(try caller.readStdout(until: "hello from a").contains("hello from a"))

                let serverLog = try String(contentsOf: LabState.serverLog("trelay"), encoding: .utf8)
                let publicA = try state.site("a").publicAddress
                let publicB = try state.site("b").publicAddress
                #expect(serverLog.contains(#""client":"\#(publicA):"#) && serverLog.contains(#""client":"\#(publicB):"#),
                    "both allocations come from the NATs' public addresses")
            }
        }

        /// `relay test` from behind a symmetric NAT, with its built-in echo, needs no flags in the lab.
        @Test func relayTestWorksFromBehindASymmetricNAT() async throws {
            try await LabFixture.with(name: "trtest", ["a=apdm-apdf"]) { state in
                let output = try LabFixture.natctl(state, site: "a", ["relay", "test", "--json", "--count", "50", "--rate", "500"])
                #expect(output.status == 0, "\(output.stdout)")
                let report = try LabFixture.json(output.stdout)
                let allocation = try #require(report["allocation"] as? [String: Any])
                #expect((allocation["mapped_address"] as? String)?.hasPrefix(try state.site("a").publicAddress + ":") == true)
                let burst = try #require((report["echo"] as? [String: Any])?["burst"] as? [String: Any])
                #expect((burst["echoed"] as? Int ?? 0) > 0)
            }
        }
    }
}

/// A natctl command running in the background on a lab host, with pipes to talk to it.
final class LabProcess {
    private let process = Process()
    private let stdin = Pipe()
    private let stdout = Pipe()
    private let stderr = Pipe()

    init(_ state: LabState, site: String, _ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            ["ip", "netns", "exec", try state.site(site).hostNamespace, "env"] + LabRunner.environment(servers: state.servers)
            + [LabFixture.natctl] + arguments
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
    }

    /// The relayed address `relay connect` announces on stderr.
    func relayedAddress() throws -> String {
        let line = try readLine(from: stderr, until: "relayed address ")
        let rest = try #require(line.components(separatedBy: "relayed address ").last)
        return String(rest.prefix { $0 != " " })
    }

    func readStdout(until marker: String) throws -> String { try readLine(from: stdout, until: marker) }

    func write(_ text: String) { stdin.fileHandleForWriting.write(Data(text.utf8)) }

    /// Reads until `marker` shows up, at most 10 s (then the process is killed and reading ends).
    private func readLine(from pipe: Pipe, until marker: String) throws -> String {
        let pid = process.processIdentifier
        let killer = DispatchWorkItem { kill(pid, SIGKILL) }
        DispatchQueue.global().asyncAfter(deadline: .now() + 10, execute: killer)
        defer { killer.cancel() }
        var text = ""
        while !text.contains(marker) {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { throw LabProcessFailure(message: "ended before '\(marker)'; got: \(text)") }
            text += String(decoding: chunk, as: UTF8.self)
        }
        return text
    }

    /// Ends input (the command releases its allocation and exits), then makes sure it is gone.
    func stop() {
        try? stdin.fileHandleForWriting.close()
        let pid = process.processIdentifier
        let killer = DispatchWorkItem { kill(pid, SIGKILL) }
        DispatchQueue.global().asyncAfter(deadline: .now() + 5, execute: killer)
        process.waitUntilExit()
        killer.cancel()
    }
}

struct LabProcessFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
