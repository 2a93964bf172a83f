import Foundation
import Testing

/// Runs the built `natctl` binary (and other tools) the way users do, with bounded waits.
enum Subprocess {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// `NATCTL_BIN`, else the debug build next to the sources.
    static var natctl: String {
        ProcessInfo.processInfo.environment["NATCTL_BIN"]
            ?? packageRoot.appendingPathComponent(".build/debug/natctl").path
    }

    /// Whether a program is on PATH.
    static func has(_ tool: String) -> Bool {
        (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").contains {
            FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)")
        }
    }

    /// Runs to completion, killing the process if it outlives `limit` seconds.
    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:], limit: Double = 20
    ) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["NATCTL_SERVERS"] = nil
        // Never ask this machine's real gateway for port mapping from a test.
        env["NATCTL_PORTMAP"] = "off"
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let killer = DispatchWorkItem { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        DispatchQueue.global().asyncAfter(deadline: .now() + limit, execute: killer)
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        killer.cancel()
        return Output(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }

    static func natctl(_ arguments: String..., environment: [String: String] = [:]) throws -> Output {
        try run(natctl, arguments, environment: environment)
    }

    /// A `--json` run read back: its exit status, its one document (the parse fails unless
    /// stdout holds exactly one), the document's schema and error code, and stderr.
    struct DocumentRun {
        var status: Int32
        var document: [String: Any]
        var stderr: String
        var schema: String? { document["schema"] as? String }
        var code: String? { (document["error"] as? [String: Any])?["code"] as? String }
    }

    static func document(_ arguments: [String], limit: Double = 20) throws -> DocumentRun {
        let output = try run(natctl, arguments, limit: limit)
        return DocumentRun(status: output.status, document: try ProbeCLITests.json(output.stdout), stderr: output.stderr)
    }
}

/// A long-running process whose first stdout line says it is ready.
final class BackgroundProcess {
    let process = Process()
    private let out = Pipe()
    private let err = Pipe()
    private var buffer = Data()

    init(_ executable: String, _ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    /// Reads stdout until a line containing `marker` (returning it), EOF, or `limit` seconds.
    func waitForLine(containing marker: String, limit: Double = 15) throws -> String {
        let pid = process.processIdentifier
        let killer = DispatchWorkItem { kill(pid, SIGKILL) }
        DispatchQueue.global().asyncAfter(deadline: .now() + limit, execute: killer)
        defer { killer.cancel() }
        while true {
            if let range = buffer.firstRange(of: Data("\n".utf8)) {
                let line = String(decoding: buffer[..<range.lowerBound], as: UTF8.self)
                buffer.removeSubrange(..<range.upperBound)
                if line.contains(marker) { return line }
                continue
            }
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty {
                let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                throw ProcessFailure(message: "process ended before printing '\(marker)': \(stderr)")
            }
            buffer.append(chunk)
        }
    }

    /// Sends `signal` and returns the exit status and the rest of stdout. Tools that may have
    /// inherited a blocked signal mask from the test runner's threads (coturn does) need SIGKILL.
    func stop(signal: Int32 = SIGTERM) -> (status: Int32, rest: String) {
        if process.isRunning { kill(process.processIdentifier, signal) }
        let rest = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: buffer + rest, as: UTF8.self))
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}

struct ProcessFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// A free UDP port on 127.0.0.1 at the time of asking (bound, read, closed).
func freeUDPPort() throws -> UInt16 { try LoopbackSocket().port }

/// A free TCP port on 127.0.0.1 at the time of asking (bound, read, closed).
func freeTCPPort() throws -> UInt16 {
    let (fd, port) = try LoopbackSocket.bound(type: SOCK_STREAM)
    close(fd)
    return port
}
