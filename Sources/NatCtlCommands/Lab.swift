import ArgumentParser
import Foundation
import NATLab

extension NatCtl {
    /// `natctl lab`: emulated networks of real Linux NATs in network namespaces.
    struct Lab: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build emulated networks of real Linux NATs (network namespaces + nftables) and run commands in them.",
            discussion: """
                A lab is an "internet" namespace holding natctl's RFC 5780 server \
                (203.0.113.1:3478, alternate 203.0.113.2:3479) and one or two sites, each a host \
                behind a router namespace whose nftables rules give it a NAT behaviour named in \
                RFC 4787 terms (see 'natctl lab list'). Needs root, iproute2 and nftables.

                Example:
                  natctl lab up --site a=eim-apdf --site b=apdm-apdf
                  natctl lab exec a -- natctl probe
                  natctl lab verify
                  natctl lab down
                """,
            subcommands: [Up.self, Down.self, Status.self, Exec.self, List.self, Verify.self, Check.self, Wire.self]
        )
    }
}

/// `--name`, shared by the lab commands that act on one lab.
struct LabNameOptions: ParsableArguments {
    @Option(name: .long, help: "Lab name (1-12 lowercase letters or digits).")
    var name: String = "lab"
}

/// Turns a `LabError` into natctl's failure: usage problems 64, the rest 2, each with its code.
func labFailure(_ error: LabError) -> CommandFailure {
    let code: CommandFailure.Code =
        switch error {
        case .notRoot: .notPermitted
        case .unknownLab: .noSuchLab
        case .unknownSite: .noSuchSite
        case .invalidSpec: .usage
        case .labRunning: .labRunning
        default: .failed
        }
    return CommandFailure(code, error.description)
}

/// The running binary, so the lab starts the same natctl in its namespaces.
var currentExecutable: String {
    (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
}
