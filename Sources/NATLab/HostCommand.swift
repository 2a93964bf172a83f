import Foundation

/// Runs the host's network tools (`ip`, `nft`, `sysctl`) and turns failures into `LabError`s
/// that quote the command and its stderr.
enum HostCommand {
    private static let spawnLock = NSLock()

    /// Runs `arguments` (the first is looked up on PATH), feeding `input` on stdin; returns stdout.
    /// Input, stdout and stderr move at once (`PipeExchange`), so no amount of output on either
    /// stream can stall the child. Blocks until the command ends: call it off Swift's
    /// cooperative pool (`Blocking.run`), as the CLI does.
    @discardableResult
    static func run(_ arguments: [String], input: String? = nil) throws(LabError) -> String {
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
        do { try process.run() } catch {
            throw .commandFailed(command: arguments.joined(separator: " "), status: -1, stderr: "\(error)")
        }
        let output = PipeExchange.run(
            input: Array((input ?? "").utf8), stdin: input == nil ? nil : stdin.fileHandleForWriting,
            stdout: out.fileHandleForReading, stderr: err.fileHandleForReading)
        process.waitUntilExit()
        guard process.terminationStatus == 0, process.terminationReason == .exit else {
            throw .commandFailed(
                command: arguments.joined(separator: " "), status: process.terminationStatus,
                stderr: String(decoding: output.stderr, as: UTF8.self))
        }
        return String(decoding: output.stdout, as: UTF8.self)
    }

    /// Like `run`, for clean-up steps whose failure (the thing is already gone) does not matter.
    static func attempt(_ arguments: [String]) {
        _ = try? run(arguments)
    }

    /// Whether `tool` is on PATH.
    static func has(_ tool: String) -> Bool {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin"
        return (path.split(separator: ":") + ["/usr/sbin", "/sbin"]).contains {
            FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)")
        }
    }

    /// Fails at once, naming what to install, when a lab cannot be built. `wire`: the lab
    /// delays its links, which needs ethtool to switch veth offloads off.
    static func preflight(wire: Bool = false) throws(LabError) {
        guard getuid() == 0 else { throw .notRoot }
        let tools = [("ip", "iproute2"), ("nft", "nftables")] + (wire ? [("ethtool", "ethtool")] : [])
        for (tool, package) in tools where !has(tool) {
            throw .missingTool(tool: tool, package: package)
        }
    }
}
