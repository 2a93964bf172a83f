import Foundation
import NATLab
import Testing

/// Brings a lab up around a test and always down again, so scenario tests are one call:
/// `try await LabFixture.with(["a=eim-apdf"]) { lab in ... }`.
enum LabFixture {
    /// Root is needed for namespaces; CI always has it, so there a missing root fails instead of skipping.
    static let runnable = getuid() == 0 || ProcessInfo.processInfo.environment["CI"] == "true"

    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static var natctl: String {
        ProcessInfo.processInfo.environment["NATCTL_BIN"] ?? packageRoot.appendingPathComponent(".build/debug/natctl").path
    }

    static func with<T>(
        name: String, _ sites: [String], loss: Int = 0, delay: Int = 0, jitter: Int = 0, forward: [String] = [], ipv6: Bool = false,
        _ body: (LabState) async throws -> T
    ) async throws -> T {
        var spec = LabSpec(
            name: name, sites: try sites.map { try LabSpec.SiteSpec(parsing: $0) }, lossPercent: loss, delayMilliseconds: delay,
            jitterMilliseconds: jitter, ipv6: ipv6)
        for text in forward { try spec.addForward(text) }
        // The fixture owns its lab names: a lab left by a killed test run is replaced.
        let state = try LabBuilder.up(spec, natctl: natctl, replace: true)
        defer { LabBuilder.down(name) }
        return try await body(state)
    }

    struct Output {
        var status: Int32
        var stdout: String
    }

    /// Runs natctl on a site's host with the lab's servers, capturing stdout.
    static func natctl(_ state: LabState, site: String, _ arguments: [String]) throws -> Output {
        try exec(state, site: site, ["env"] + LabRunner.environment(servers: state.servers) + [natctl] + arguments)
    }

    /// Runs any command on a site's host, capturing stdout.
    static func exec(_ state: LabState, site: String, _ arguments: [String]) throws -> Output {
        try run(namespace: try state.site(site).hostNamespace, arguments)
    }

    /// Runs any command in any lab namespace, capturing stdout.
    static func run(namespace: String, _ arguments: [String]) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ip", "netns", "exec", namespace] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: data, as: UTF8.self))
    }

    /// Whether `text` validates against its schema in docs/schema/ (scripts/check-schemas.py,
    /// with Debian's python3-jsonschema); the checker's complaint otherwise.
    /// `error`: the error code the document must carry (nil: none).
    static func schemaProblem(_ text: String, error: String? = nil) throws -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [packageRoot.appendingPathComponent("scripts/check-schemas.py").path] + (error.map { ["--expect-error", $0] } ?? ["--expect-ok"]) + ["-"]
        let input = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try input.fileHandleForWriting.close()
        let complaint = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return process.terminationStatus == 0 ? nil : String(decoding: complaint, as: UTF8.self)
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }
}

/// Every lab suite nests in this one, so lab tests run one at a time: labs are heavy on two
/// cores, and their timing-sensitive checks should not compete with one another.
@Suite(.serialized, .enabled(if: LabFixture.runnable, "needs root for network namespaces"))
enum LabTests {}
