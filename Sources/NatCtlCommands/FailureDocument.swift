import ArgumentParser
import NATCore

/// A command whose `--json` output has a schema (docs/schema/): on failure, `runMain` prints
/// `{schema, error}` of that schema when the command printed no document itself.
protocol JSONDocumentCommand {
    /// The schema of the command's document, e.g. `natctl.probe/2`.
    static var schema: String { get }
    /// Whether this run prints JSON.
    var printsJSON: Bool { get }
    /// The schema of this run's document, when flags choose between two (`punch --wireguard`).
    var documentSchema: String { get }
    /// The same choice from the raw arguments, for a run that did not parse.
    static func schema(arguments: [String]) -> String
}

extension JSONDocumentCommand {
    var documentSchema: String { Self.schema }
    static func schema(arguments: [String]) -> String { schema }
}

/// The document of a run that failed before it had a report: its schema and the error.
struct FailureDocument: Encodable {
    var schema: String
    var error: ReportError
}

/// The one place a failed run is reported: the message on stderr, the document on stdout.
enum FailureReport {
    /// Reports `error` thrown by a command's `run()` and returns the error to exit with.
    static func finish(_ error: any Error, command: any ParsableCommand) -> any Error {
        var error = error
        // An error no command meant to throw (a failed encode, a file error from a library)
        // would exit 1 with ArgumentParser, which natctl reserves for assertions that did not
        // hold: it is an operation that could not be done (2, `failed`).
        if !(error is CommandFailure), !(error is ExitCode), NatCtl.exitCode(for: error) == .failure {
            error = CommandFailure(.failed, NatCtl.message(for: error))
        }
        let document = command as? any JSONDocumentCommand
        let json = document?.printsJSON ?? false
        let schema = document.map { $0.documentSchema }
        guard let failure = error as? CommandFailure else {
            // Errors of other kinds: ArgumentParser prints them (a ValidationError thrown in
            // run()); an ExitCode's path printed its message already.
            let code = NatCtl.exitCode(for: error)
            if json, let schema, code != .success, !Console.hasPrintedResult {
                let message =
                    error is ExitCode ? "exit status \(code.rawValue); stderr says why" : NatCtl.message(for: error)
                let kind: CommandFailure.Code =
                    switch code.rawValue {
                    case 1: .assertionFailed
                    case 64: .usage
                    case 130: .interrupted
                    default: error is ExitCode ? .failed : .usage
                    }
                print(FailureDocument(schema: schema, error: ReportError(code: kind.rawValue, message: message)))
            }
            return error
        }
        Console.error("natctl: \(failure.message)")
        if json, let schema, !Console.hasPrintedResult {
            print(FailureDocument(schema: schema, error: failure.object))
        }
        return failure.exitCode
    }

    /// A usage error found while parsing (exit 64): with `--json` among the flags of a command
    /// that has a schema, a `{schema, error}` document with code `usage` too.
    static func parsing(_ error: any Error, arguments: [String]) {
        guard NatCtl.exitCode(for: error) != .success else { return }
        let ownFlags = arguments.prefix { $0 != "--" }
        guard ownFlags.contains("--json"), let type = commandType(arguments) as? any JSONDocumentCommand.Type else {
            return
        }
        let message = NatCtl.message(for: error).split(separator: "\n").first.map(String.init) ?? "usage error"
        print(
            FailureDocument(
                schema: type.schema(arguments: Array(ownFlags)), error: ReportError(code: CommandFailure.Code.usage.rawValue, message: message)))
    }

    /// The subcommand the arguments name (as far as they name one).
    private static func commandType(_ arguments: [String]) -> any ParsableCommand.Type {
        var current: any ParsableCommand.Type = NatCtl.self
        for argument in arguments where !argument.hasPrefix("-") {
            guard let next = current.configuration.subcommands.first(where: { $0._commandName == argument }) else {
                break
            }
            current = next
        }
        return current
    }

    private static func print(_ document: FailureDocument) {
        if let text = try? ReportJSON.encode(document) { Console.result(text) }
    }
}
