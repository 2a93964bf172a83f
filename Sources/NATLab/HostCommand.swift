import Foundation
import NATCore

/// Runs the host's network tools (`ip`, `nft`, `sysctl`) and turns failures into `LabError`s
/// that quote the command and its stderr.
enum HostCommand {
    /// Runs `arguments` (the first is looked up on PATH), feeding `input` on stdin; returns stdout.
    /// Blocks until the command ends (`ToolProcess`): call it off Swift's cooperative pool
    /// (`Blocking.run`), as the CLI does.
    @discardableResult
    static func run(_ arguments: [String], input: String? = nil) throws(LabError) -> String {
        let result: ToolProcess.Result
        do { result = try ToolProcess.run(arguments, input: input) } catch {
            throw .commandFailed(command: arguments.joined(separator: " "), status: -1, stderr: "\(error)")
        }
        guard result.succeeded else {
            throw .commandFailed(command: arguments.joined(separator: " "), status: result.status, stderr: result.stderr)
        }
        return result.stdout
    }

    /// Like `run`, for clean-up steps whose failure (the thing is already gone) does not matter.
    static func attempt(_ arguments: [String]) {
        _ = try? run(arguments)
    }

    /// Whether `tool` is on PATH.
    static func has(_ tool: String) -> Bool { ToolProcess.has(tool) }

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
