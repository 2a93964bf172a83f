import Foundation
import NATWire
import Testing

@testable import NATCapture

/// A crafted report with every new part of natctl.trace/2 (hops, background rows, the new
/// finding kinds) validated against docs/schema/natctl.trace.2.json by python3-jsonschema,
/// encoded the way natctl encodes reports (snake_case keys).
@Suite struct TraceSchemaTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static var hasJSONSchema: Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import jsonschema"]
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    /// Exit status and stderr of validating `document` against the committed schema.
    static func validate(_ document: Data) throws -> (Int32, String) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("natctl-trace-schema-\(getpid()).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try document.write(to: file)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c",
            "import json, sys, jsonschema; jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))",
            file.path, packageRoot.appendingPathComponent("docs/schema/natctl.trace.2.json").path,
        ]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, message)
    }

    @Test(.enabled(if: hasJSONSchema, "needs python3 with jsonschema"))
    func craftedReportMatchesTheSchema() throws {
        let host = Craft.at("10.0.1.2:40000")
        let server = Craft.at("203.0.113.1:3478")
        let mapped = Craft.at("203.0.113.11:40000")
        var b = Craft.Builder([
            CaptureInterface(name: "host/eth0", linkType: .ethernet, addresses: [Craft.ip("10.0.1.2")], isLocal: true),
            CaptureInterface(name: "rt-a/wan", linkType: .ethernet, addresses: [Craft.ip("203.0.113.11")]),
        ])
        b.add(0, Craft.routerSolicitation(from: Craft.ip("fe80::1")))
        let request = Craft.bindingRequest(Craft.id(1))
        b.add(1, Craft.udp(host, server, request))
        b.add(1.1, Craft.udp(mapped, server, request), on: 1)
        b.add(2, Craft.udp(server, mapped, Craft.bindingResponse(Craft.id(1), mapped: mapped)), on: 1)
        b.add(2.1, Craft.udp(server, host, Craft.bindingResponse(Craft.id(1), mapped: mapped)))
        let change = Craft.bindingRequest(Craft.id(2), change: ChangeRequest(changeIP: true, changePort: true))
        b.add(3, Craft.udp(host, server, change))
        b.add(3.1, Craft.udp(mapped, server, change), on: 1)
        b.add(
            4, Craft.udp(Craft.at("203.0.113.2:3479"), mapped, Craft.bindingResponse(Craft.id(2), mapped: mapped)),
            on: 1)
        let hairpin = Craft.udp(host, mapped, Craft.bindingRequest(Craft.id(3)))
        b.add(5, hairpin)
        b.add(5.1, Craft.icmpError(from: mapped.ip, type: 3, code: 3, quoting: hairpin))
        let report = TraceAnalyzer.report(b.capture, source: "crafted")
        #expect(Set(report.findings.map(\.kind)).isSuperset(of: [.hairpinTest, .droppedAtNAT, .answered]))
        #expect(report.timeline.contains { $0.background })
        #expect(report.timeline.contains { $0.hops.count > 1 })

        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let (status, message) = try Self.validate(try encoder.encode(report))
        #expect(status == 0, "\(message.suffix(1500))")

        // Negative control: the schema does reject a row without hops.
        var broken = report
        broken.timeline[0].hops = []
        let (brokenStatus, _) = try Self.validate(try encoder.encode(broken))
        #expect(brokenStatus != 0)
    }
}
