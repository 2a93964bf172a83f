import ArgumentParser
import NATCapture

#if canImport(Glibc)
import Glibc
#endif

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
            snake_case, a "schema" field, null meaning "not checked"), on every exit path: a \
            failed run's document has an "error" object {code, message}, e.g. code \
            "name-not-resolved" (docs/json.md, docs/schema/).

            EXIT CODES
              0   done
              1   an --expect or --require assertion failed
              2   the operation could not be done (no server answered, bind refused, ...), or an
                  --expect or --require value could not be checked
              64  usage error (bad flag or value)
              130 stopped by SIGINT or SIGTERM (lab exec: 128 + n when signal n killed its command)
            """,
        version: "natctl \(version) (\(PcapLibrary.version))",
        subcommands: [Probe.self, Classify.self, Punch.self, Relay.self, Portmap.self, Trace.self, Lab.self]
    )

    public init() {}
}

extension NatCtl {
    /// Process-wide setup, on the main thread before any other thread starts, so every thread
    /// inherits it: SIGINT, SIGTERM and SIGHUP unblocked (a parent may have blocked them).
    public static func prepareProcess() {
        ProcessSignals.unblockTermination()
    }

    /// Parses the process arguments and runs the chosen command, async commands included.
    /// (Called from the executable's top-level code, where overload resolution would otherwise
    /// pick ArgumentParser's synchronous `main()`.)
    public static func runMain(_ arguments: [String]? = nil) async {
        // Again on this thread: Dispatch's worker threads start with signals blocked, and a
        // child spawned from one (lab exec, trace) would inherit SIGTERM blocked and ignore it.
        ProcessSignals.unblockTermination()
        let given = arguments ?? Array(CommandLine.arguments.dropFirst())
        var command: any ParsableCommand
        do { command = try parseAsRoot(given) } catch {
            FailureReport.parsing(error, arguments: given)
            exit(withError: error)
        }
        do {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: FailureReport.finish(error, command: command))
        }
    }
}

/// Signal-mask hygiene for a process that must stop on SIGINT/SIGTERM.
enum ProcessSignals {
    /// A parent may spawn us from a thread that blocks signals (thread pools do), and the mask is
    /// inherited; unblock the termination signals before any thread starts, or `relay serve`
    /// could not be stopped with SIGTERM.
    static func unblockTermination() {
        var set = sigset_t()
        sigemptyset(&set)
        for number in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&set, number) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }
}
