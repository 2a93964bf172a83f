import ArgumentParser
import NATCapture

/// The root of the command tree. The `natctl` executable only calls `NatCtl.main()`.
@available(macOS 10.15, macCatalyst 13, iOS 13, tvOS 13, watchOS 6, *)
public struct NatCtl: AsyncParsableCommand {
    public static let version = "0.1.0"

    public static let configuration = CommandConfiguration(
        commandName: "natctl",
        abstract: "Diagnose NAT and connectivity problems, and fix them where possible.",
        discussion: """
            natctl tells you what the NAT in front of this host does and whether hosts can reach \
            each other, using standard STUN (RFC 8489, RFC 5780) on the wire.

            Every command prints human text, or one JSON document with --json (keys in \
            snake_case, a "schema" field, null meaning "not checked").

            EXIT CODES
              0   done
              1   an --expect or --require assertion failed
              2   the operation could not be done (no server answered, bind refused, ...)
              64  usage error (bad flag or value)
            """,
        version: "natctl \(version) (\(PcapLibrary.version))",
        subcommands: [Probe.self, Relay.self]
    )

    public init() {}
}

extension NatCtl {
    /// Parses the process arguments and runs the chosen command, async commands included.
    /// (Called from the executable's top-level code, where overload resolution would otherwise
    /// pick ArgumentParser's synchronous `main()`.)
    public static func runMain(_ arguments: [String]? = nil) async {
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
