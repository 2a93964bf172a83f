import ArgumentParser
import NATCore

/// Why a command did not do its job, with natctl's exit code for it: commands throw this, and
/// `NatCtl.runMain` is the one place that prints the message on stderr and, with `--json`, the
/// `{schema, error}` document when the command printed no report of its own (docs/json.md).
struct CommandFailure: Error, CustomStringConvertible {
    /// Stable kebab-case causes (docs/exit-codes.md lists them).
    enum Code: String, Sendable, CaseIterable {
        /// Exit 64: a bad flag or value.
        case usage
        /// Exit 1: a `--require` / `--expect` / `lab verify` check was made and did not hold.
        case assertionFailed = "assertion-failed"
        /// Exit 2: a `--require` / `--expect` value could not be checked (never counted as "no").
        case notChecked = "not-checked"
        /// Exit 2: a server or peer name did not resolve.
        case nameNotResolved = "name-not-resolved"
        /// Exit 2: the name resolved, but to no address of the family asked for.
        case noServerOfFamily = "no-server-of-family"
        /// Exit 2: requests left and nothing answered within the time limit.
        case noAnswer = "no-answer"
        /// Exit 2: a local address or port is taken (EADDRINUSE).
        case portInUse = "port-in-use"
        /// Exit 2: the address is not one of this host's (EADDRNOTAVAIL).
        case addressNotAvailable = "address-not-available"
        /// Exit 2: root or a capability is needed (EACCES, EPERM, capture without CAP_NET_RAW).
        case notPermitted = "not-permitted"
        /// Exit 2: a file to read does not exist.
        case fileNotFound = "file-not-found"
        /// Exit 2: a file exists but cannot be read or written, or is not a capture.
        case badFile = "bad-file"
        /// Exit 2: no lab of that name is up; or no such site in it.
        case noSuchLab = "no-such-lab"
        case noSuchSite = "no-such-site"
        /// Exit 2: `lab up` with the name of a lab that is up (without --replace).
        case labRunning = "lab-running"
        /// Exit 2: a capture could not start (no such interface, bad filter, pcap error).
        case captureFailed = "capture-failed"
        /// Exit 2: a TURN server refused or failed (credentials, quota) or the relayed echo failed.
        case relayFailed = "relay-failed"
        /// Exit 2: `punch` ended without a working path (its `outcome` says which way).
        case punchFailed = "punch-failed"
        /// Exit 2: the gateway refused a port mapping, or there is no gateway to ask.
        case portmapFailed = "portmap-failed"
        /// Exit 2: anything else that stopped the command.
        case failed
        /// Exit 130: SIGINT or SIGTERM.
        case interrupted
    }

    var exitCode: ExitCode
    var code: Code
    var message: String

    init(_ code: Code, _ message: String, exitCode: ExitCode? = nil) {
        self.code = code
        self.message = message
        self.exitCode = exitCode ?? Self.defaultExit(code)
    }

    var description: String { message }

    /// The JSON `error` object.
    var object: ReportError { ReportError(code: code.rawValue, message: message) }

    private static func defaultExit(_ code: Code) -> ExitCode {
        switch code {
        case .usage: ExitStatus.usage
        case .assertionFailed: ExitStatus.assertionFailed
        case .interrupted: ExitStatus.interrupted
        default: ExitStatus.operationFailed
        }
    }

    /// A socket error as its cause: a busy port, a foreign address, a privilege, else as is.
    static func socket(_ error: any Error, address: String, what: String = "bind") -> CommandFailure {
        var ports: [String] = []
        for one in address.components(separatedBy: ", ") {
            if let port = one.split(separator: ":").last.map(String.init), !ports.contains(port) { ports.append(port) }
        }
        let port = ports.joined(separator: " or ")
        switch SocketErrno.code(of: error) {
        case 98:
            return CommandFailure(
                .portInUse,
                "port \(port) is already in use (\(address)); pick a free port, or stop what holds it (ss -lunp)")
        case 99:
            return CommandFailure(
                .addressNotAvailable, "\(address) is not an address of this host; pick one that 'ip addr' lists")
        case 13, 1:
            return CommandFailure(
                .notPermitted,
                "not permitted to \(what) \(address) (ports below 1024 need root or CAP_NET_BIND_SERVICE)")
        default: return CommandFailure(.failed, "cannot \(what) \(address): \(error)")
        }
    }

    /// A name that did not resolve.
    static func resolve(_ error: ResolveError) -> CommandFailure {
        CommandFailure(.nameNotResolved, "\(error); check the name, or give an IP address")
    }
}
