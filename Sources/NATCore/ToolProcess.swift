import Foundation

/// Runs a system tool (`ip`, `nft`, `wg`) to its end: stdin fed and stdout and stderr read at
/// once (`PipeExchange`), so no amount of output on either stream stalls the child.
public enum ToolProcess {
    private static let spawnLock = NSLock()

    public struct Result: Sendable {
        public var status: Int32
        /// Whether it exited (rather than being killed by a signal).
        public var exited: Bool
        public var stdout: String
        public var stderr: String
        public var succeeded: Bool { exited && status == 0 }
    }

    /// Runs `arguments` (the first looked up on PATH). Blocks until the tool ends: call it off
    /// Swift's cooperative pool (`Blocking.run`). Throws only when the tool cannot start.
    public static func run(_ arguments: [String], input: String? = nil) throws -> Result {
        // Foundation's Process and Pipe are not safe to drive from several threads at once
        // (seen as an index-out-of-range crash in readDataToEndOfFile); one command at a time.
        spawnLock.lock()
        defer { spawnLock.unlock() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        let stdin = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input == nil ? FileHandle.nullDevice : stdin
        try process.run()
        let output = PipeExchange.run(
            input: Array((input ?? "").utf8), stdin: input == nil ? nil : stdin.fileHandleForWriting,
            stdout: out.fileHandleForReading, stderr: err.fileHandleForReading)
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, exited: process.terminationReason == .exit,
            stdout: String(decoding: output.stdout, as: UTF8.self), stderr: String(decoding: output.stderr, as: UTF8.self))
    }

    /// Whether `tool` is on PATH (or in /usr/sbin, /sbin).
    public static func has(_ tool: String) -> Bool {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin"
        let directories = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin"]
        return directories.contains {
            FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)")
        }
    }
}
