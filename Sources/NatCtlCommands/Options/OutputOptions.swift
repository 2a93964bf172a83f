import ArgumentParser
import NATCore

/// `--json`, shared by every command.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print one JSON document on stdout instead of text (see docs/json.md).")
    var json = false

    /// Prints `report` as JSON or as the given human text: the one place formats are chosen.
    func emit(_ report: some Encodable, human: () -> String) throws {
        switch json {
        case true: Console.result(try ReportJSON.encode(report))
        case false: Console.result(human())
        }
    }
}
