import ArgumentParser
import Foundation
import Testing

@testable import NatCtlCommands

/// `--json` on every exit path: one document with an `error` object {code, message}, the
/// documented exit code, and "not checked" never counted as "no" (docs/json.md). The full
/// matrix, validated against docs/schema/, is scripts/check-json.sh (run by smoke-install.sh).
@Suite(.serialized) struct JSONFailureCLITests {
    private static func error(_ document: [String: Any]) -> (code: String?, message: String?) {
        let object = document["error"] as? [String: Any]
        return (object?["code"] as? String, object?["message"] as? String)
    }

    /// A failing run's exit status, its document's schema and error code, and its stderr.
    private static func failure(_ arguments: String...) throws -> Subprocess.DocumentRun {
        try Subprocess.document(arguments)
    }

    @Test func classifyExpectationAgainstADeadServerIsNotChecked() throws {
        let port = try freeUDPPort()
        let output = try Subprocess.natctl(
            "classify", "--server", "127.0.0.1:\(port)", "--expect", "udp=no", "--timeout", "2", "--json")
        #expect(output.status == 2, "a dead server is not proof that UDP is blocked: \(output.stderr)")
        let report = try ProbeCLITests.json(output.stdout)
        #expect(report["schema"] as? String == "natctl.classify/2")
        let expectation = try #require((report["expectations"] as? [[String: Any]])?.first)
        #expect(expectation["met"] is NSNull, "never met: true for an unchecked value")
        #expect(expectation["reason"] is String)
        #expect(Self.error(report).code == "no-answer")
        #expect(report["duration_ms"] is Double)
        #expect(report["elapsed_ms"] == nil)
    }

    @Test func classifyNamesTheRealCause() throws {
        let unresolved = try Self.failure("classify", "--server", "nohost.invalid:3478", "--json")
        #expect(unresolved.status == 2 && unresolved.schema == "natctl.classify/2" && unresolved.code == "name-not-resolved")
        #expect(!unresolved.stderr.contains("cannot resolve 'nohost.invalid': cannot resolve"), "said once")
        let v6 = try Self.failure("classify", "--server", "127.0.0.1:3478", "--family", "ipv6", "--json")
        #expect(v6.status == 2 && v6.code == "no-server-of-family")
    }

    @Test func traceAndLabFailuresPrintADocument() throws {
        let trace = try Self.failure("trace", "--read", "/nonexistent", "--json")
        #expect(trace.status == 2 && trace.schema == "natctl.trace/2" && trace.code == "file-not-found")
        let lab = try Self.failure("lab", "status", "--name", "zz", "--json")
        #expect(lab.status == 2 && lab.schema == "natctl.lab/2" && lab.code == "no-such-lab")
    }

    @Test func usageErrorWithJSONPrintsAUsageDocument() throws {
        let output = try Subprocess.natctl("probe", "--enough", "0", "--json")
        #expect(output.status == 64)
        #expect(output.stderr.contains("Error:"))
        let document = try ProbeCLITests.json(output.stdout)
        #expect(document["schema"] as? String == "natctl.probe/2")
        #expect(Self.error(document).code == "usage")
        #expect(Set(document.keys) == ["schema", "error"])
    }

    @Test func busyPortWithoutJSONSaysSoInWords() throws {
        let holder = try LoopbackSocket()
        let output = try Subprocess.natctl("relay", "serve", "--listen", "127.0.0.1:\(holder.port)", "--duration", "1")
        #expect(output.status == 2)
        #expect(output.stderr.contains("port \(holder.port) is already in use"), "\(output.stderr)")
        #expect(output.stdout.isEmpty)
    }
}

/// Every command with a JSON document names a schema that has a JSON Schema in docs/schema/
/// (natctl.trace's is its owner's to write), and the document's `schema` constant says so.
@Suite struct SchemaFilesTests {
    private static func documentCommands(_ type: any ParsableCommand.Type = NatCtl.self)
        -> [any JSONDocumentCommand.Type]
    {
        let own = (type as? any JSONDocumentCommand.Type).map { [$0] } ?? []
        return own + type.configuration.subcommands.flatMap { documentCommands($0) }
    }

    @Test func everyDocumentCommandHasASchemaFile() throws {
        let commands = Self.documentCommands()
        #expect(commands.count >= 13, "probe, classify, punch, relay serve/test, portmap add/delete/list, trace, lab up/status/list/verify")
        for command in commands {
            let file = Subprocess.packageRoot.appendingPathComponent(
                "docs/schema/\(command.schema.replacingOccurrences(of: "/", with: ".")).json")
            #expect(FileManager.default.fileExists(atPath: file.path), "\(command): no \(file.lastPathComponent)")
            // Schemas that had a /1 are at /2; natctl.portmap started at /1.
            #expect(command.schema.hasSuffix(command.schema.hasPrefix("natctl.portmap/") ? "/1" : "/2"), "\(command.schema)")
        }
    }
}
