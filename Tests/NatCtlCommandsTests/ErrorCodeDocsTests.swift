import Foundation
import Testing

@testable import NatCtlCommands

/// Every `CommandFailure.Code` is documented where scripts look for it: the table in
/// docs/json.md ("Errors"), the list in docs/exit-codes.md, and the `error.code` enums of the
/// JSON Schemas (natctl.failure.json, and the copy in natctl.trace.2.json); and those enums
/// name no code natctl does not have.
@Suite struct ErrorCodeDocsTests {
    private static func text(_ path: String) throws -> String {
        try String(contentsOf: Subprocess.packageRoot.appendingPathComponent(path), encoding: .utf8)
    }

    /// The `error.code` enum of the failure document in a schema file.
    private static func schemaCodes(_ path: String, failureDocument: ([String: Any]) -> [String: Any]?) throws -> Set<String> {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text(path).utf8)) as? [String: Any])
        let error = try #require(failureDocument(object))
        let code = try #require((error["properties"] as? [String: Any])?["code"] as? [String: Any])
        return Set(try #require(code["enum"] as? [String]))
    }

    private static let codes = Set(CommandFailure.Code.allCases.map(\.rawValue))

    @Test func jsonMdAndExitCodesMdNameEveryCode() throws {
        let json = try Self.text("docs/json.md")
        let exits = try Self.text("docs/exit-codes.md")
        for code in Self.codes.sorted() {
            #expect(json.contains("| `\(code)`") || json.contains(", `\(code)`"), "docs/json.md's error table lacks `\(code)`")
            #expect(exits.contains("`\(code)`"), "docs/exit-codes.md lacks `\(code)`")
        }
    }

    @Test func schemasEnumerateExactlyTheCodes() throws {
        let failure = try Self.schemaCodes("docs/schema/natctl.failure.json") {
            ($0["$defs"] as? [String: Any])?["error"] as? [String: Any]
        }
        #expect(failure == Self.codes, "natctl.failure.json: missing \(Self.codes.subtracting(failure)), extra \(failure.subtracting(Self.codes))")
        let trace = try Self.schemaCodes("docs/schema/natctl.trace.2.json") {
            let failureDocument = ($0["oneOf"] as? [[String: Any]])?.last
            return (failureDocument?["properties"] as? [String: Any])?["error"] as? [String: Any]
        }
        #expect(trace == Self.codes, "natctl.trace.2.json: missing \(Self.codes.subtracting(trace)), extra \(trace.subtracting(Self.codes))")
    }
}
