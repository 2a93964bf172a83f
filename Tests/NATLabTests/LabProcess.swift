import Foundation
import NATLab
import Testing

/// A command running in the background in a lab namespace, with pipes to talk to it.
/// `@unchecked Sendable`: its pipes and process are only handed to one reader at a time.
final class LabProcess: @unchecked Sendable {
    private let process = Process()
    private let stdin = Pipe()
    private let stdout = Pipe()
    private let stderr = Pipe()

    /// natctl on a site's host, with the lab's servers in its environment.
    convenience init(_ state: LabState, site: String, _ arguments: [String], captureStderr: Bool = true) throws {
        try self.init(
            namespace: try state.site(site).hostNamespace,
            ["env"] + LabRunner.environment(servers: state.servers) + [LabFixture.natctl] + arguments, captureStderr: captureStderr)
    }

    /// Any command in any lab namespace (the public one for extra servers).
    init(namespace: String, _ command: [String], captureStderr: Bool = true) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ip", "netns", "exec", namespace] + command
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = captureStderr ? stderr : FileHandle.nullDevice
        try process.run()
    }

    /// The relayed address `relay connect` announces on stderr.
    func relayedAddress() throws -> String {
        let line = try readLine(from: stderr, until: "relayed address ")
        let rest = try #require(line.components(separatedBy: "relayed address ").last)
        return String(rest.prefix { $0 != " " })
    }

    /// Reads stdout until `marker` shows up; throws if the command ends first.
    func readStdout(until marker: String) throws -> String { try readLine(from: stdout, until: marker) }

    /// Reads stderr until `marker` shows up (tcpdump's "listening on" says it is capturing).
    func readStderr(until marker: String) throws -> String { try readLine(from: stderr, until: marker) }

    func write(_ text: String) { stdin.fileHandleForWriting.write(Data(text.utf8)) }

    var isRunning: Bool { process.isRunning }

    /// Sends `signal` to the command (`ip netns exec` ran it in place, so it is this process).
    func send(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// Waits for the command to end on its own (reading stdout off the concurrency pool, so no
    /// Swift task blocks) and returns its status and output.
    func finish() async -> LabFixture.Output {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { [process, stdout] in
                let data = stdout.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                continuation.resume(returning: LabFixture.Output(status: process.terminationStatus, stdout: String(decoding: data, as: UTF8.self)))
            }
        }
    }

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

    /// Ends input (a pipe-like command releases what it holds and exits), then makes sure it is gone.
    func stop() {
        try? stdin.fileHandleForWriting.close()
        awaitExit()
    }

    /// Sends SIGTERM (servers stop on it, not on end of input), then makes sure it is gone.
    func terminate() {
        process.terminate()
        awaitExit()
    }

    /// Waits for the exit, with SIGKILL after 5 s.
    private func awaitExit() {
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
