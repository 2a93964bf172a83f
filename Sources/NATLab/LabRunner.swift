import Foundation
import NATCore

/// Runs commands on a lab host, the way `lab exec` and `lab verify` need.
public enum LabRunner {
    /// Starts `arguments` in `namespace` with the terminal's stdin/stdout/stderr and the lab's
    /// server and TURN user in the environment. env(1) and `ip netns exec` each exec the next
    /// program in place, so the process is the command itself: a signal sent to it reaches the
    /// command, and its end (`ChildExit`) is the command's.
    public static func start(
        in namespace: String, _ arguments: [String], servers: [String]
    ) throws(LabError) -> (process: Process, exit: ChildExit) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ip", "netns", "exec", namespace, "env"] + environment(servers: servers) + arguments
        let exit = ChildExit(watching: process)
        do { try process.run() } catch {
            throw .commandFailed(command: arguments.joined(separator: " "), status: -1, stderr: "\(error)")
        }
        return (process, exit)
    }

    /// `NAME=value` words for env(1): the lab's servers and TURN user.
    public static func environment(servers: [String]) -> [String] {
        [
            "NATCTL_SERVERS=\(servers.joined(separator: ","))", "NATCTL_TURN_USER=\(LabBuilder.turnUser.name)",
            "NATCTL_TURN_PASSWORD=\(LabBuilder.turnUser.password)",
        ]
    }

    /// Runs `arguments` in `namespace` and returns stdout.
    static func capture(in namespace: String, _ arguments: [String]) throws(LabError) -> String {
        try HostCommand.run(["ip", "netns", "exec", namespace] + arguments)
    }
}

extension LabBuilder {
    /// Fails at once, naming what to install, unless we are root with `ip` and `nft`.
    public static func preflight() throws(LabError) { try HostCommand.preflight() }
}
