/// Why a lab operation failed; each description says what to do about it.
public enum LabError: Error, CustomStringConvertible, Equatable {
    case notRoot
    case missingTool(tool: String, package: String)
    case commandFailed(command: String, status: Int32, stderr: String)
    case unknownLab(String)
    case unknownSite(String, available: [String])
    case invalidSpec(String)
    case serverDidNotStart(String)
    /// `lab up` with the name of a lab that is up, without `--replace`.
    case labRunning(String)

    public var description: String {
        switch self {
        case .notRoot:
            "network namespaces need root; run as root (sudo natctl lab ...)"
        case .missingTool(let tool, let package):
            "'\(tool)' is not installed; install it with 'apt-get install \(package)'"
        case .commandFailed(let command, let status, let stderr):
            "'\(command)' failed with status \(status): \(stderr.trimmingCharacters(in: .whitespacesAndNewlines))"
        case .unknownLab(let name):
            "no lab named '\(name)' is up; start one with 'natctl lab up'"
        case .unknownSite(let site, let available):
            "no site '\(site)' in this lab (sites: \(available.joined(separator: ", ")))"
        case .invalidSpec(let reason):
            reason
        case .serverDidNotStart(let log):
            "the lab's natctl server did not start: \(log)"
        case .labRunning(let name):
            "a lab named '\(name)' is already up; pass --replace to tear it down and build this one, pick another --name, or remove it with 'natctl lab down --name \(name)'"
        }
    }
}
