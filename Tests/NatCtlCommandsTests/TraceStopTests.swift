import Foundation
import NATCapture
import NATCore
import Testing

/// `natctl trace` stopped by SIGINT or SIGTERM still stops capturing, writes its file, prints
/// its report and exits 130 (docs/exit-codes.md), whichever of the two stopped it. Live capture on loopback needs root (or CAP_NET_RAW).
@Suite(.serialized, .enabled(if: getuid() == 0, "live capture needs root or CAP_NET_RAW"))
struct TraceStopTests {
    static let marker = Array("natctl-trace-stop".utf8)

    static func temporary(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("natctl-stop-\(getpid())-\(name)").path
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not one JSON document: \(text)")
    }

    /// `trace --duration 30` on lo for datagrams to `port`, once it says it is capturing.
    static func startDurationTrace(port: UInt16, file: String, _ extra: [String]) async throws -> SignalledProcess {
        let trace = try SignalledProcess(
            ["trace", "--duration", "30", "--interface", "lo", "--filter", "udp port \(port)", "--write", file] + extra)
        _ = try await trace.stderr(until: "capturing on lo")
        return trace
    }

    @Test func sigintDuringADurationCaptureWritesTheFileAndPrintsTheReport() async throws {
        let (target, sender) = (try LoopbackSocket(), try LoopbackSocket())
        let file = Self.temporary("duration.pcap")
        defer { try? FileManager.default.removeItem(atPath: file) }
        let trace = try await Self.startDurationTrace(port: target.port, file: file, ["--json"])
        // Loopback hands a datagram to packet sockets inside sendto, so these are in the capture
        // ring before the signal; stop() drains the ring.
        for index in 0..<3 { sender.send(Self.marker + [UInt8(index)], to: target.port) }
        trace.send(SIGINT)
        let (end, stdout, stderr) = await trace.finish()
        #expect(end == .exited(130), "stderr: \(stderr)")
        let report = try Self.json(stdout)
        #expect(report["schema"] as? String == "natctl.trace/2")
        #expect(report["interrupted"] as? String == "SIGINT")
        #expect(report["packets"] as? Int == 3)
        #expect(report["packets_not_kept"] as? Int == 0)
        #expect(report["file"] as? String == file)
        #expect(stderr.contains("stopped by SIGINT"))
        let capture = try CaptureFileReader.read(path: file)
        #expect(capture.frames.map { Array($0.bytes.suffix(Self.marker.count + 1)) } == (0..<3).map { Self.marker + [UInt8($0)] })
    }

    @Test func captureLimitKeepsTheFirstPacketsAndSaysHowManyWereLeftOut() async throws {
        let (target, sender) = (try LoopbackSocket(), try LoopbackSocket())
        let file = Self.temporary("limit.pcap")
        defer { try? FileManager.default.removeItem(atPath: file) }
        let trace = try await Self.startDurationTrace(port: target.port, file: file, ["--capture-limit", "2"])
        for index in 0..<5 { sender.send(Self.marker + [UInt8(index)], to: target.port) }
        trace.send(SIGINT)
        let (end, stdout, stderr) = await trace.finish()
        #expect(end == .exited(130), "stderr: \(stderr)")
        #expect(stdout.hasPrefix("trace: 2 packets captured on lo"), "\(stdout)")
        #expect(stdout.contains("stopped early by SIGINT"))
        #expect(stdout.contains("3 more packets were seen after the capture limit and not kept"))
        #expect(stderr.contains("kept the first 2 packets"))
        let capture = try CaptureFileReader.read(path: file)
        #expect(capture.frames.map { Array($0.bytes.suffix(Self.marker.count + 1)) } == (0..<2).map { Self.marker + [UInt8($0)] })
    }

    @Test func sigtermToATracedOperationStopsItAndStillReports() async throws {
        let server = try LoopbackSocket()  // never answers: probe would retransmit until --timeout
        let file = Self.temporary("operation.pcap")
        defer { try? FileManager.default.removeItem(atPath: file) }
        let trace = try SignalledProcess([
            "trace", "--json", "--interface", "lo", "--filter", "udp port \(server.port)", "--write", file,
            "probe", "--server", "127.0.0.1:\(server.port)", "--timeout", "30",
        ])
        // The capture is open before the operation starts, so its first request is captured.
        let request = await server.receive()
        #expect(request != nil, "probe's request never arrived")
        trace.send(SIGTERM)
        let (end, stdout, stderr) = await trace.finish()
        #expect(end == .exited(130), "stderr: \(stderr)")
        let report = try Self.json(stdout)
        #expect(report["interrupted"] as? String == "SIGTERM")
        let operation = try #require(report["operation"] as? [String: Any])
        #expect(operation["exit_code"] as? Int == 143, "probe was stopped by the forwarded SIGTERM")
        #expect(operation["report"] is NSNull)
        #expect((report["packets"] as? Int ?? 0) >= 1)
        let capture = try CaptureFileReader.read(path: file)
        #expect(capture.frames.count == report["packets"] as? Int)
        let cookie: [UInt8] = [0x21, 0x12, 0xA4, 0x42]
        #expect(capture.frames.allSatisfy { $0.bytes.firstRange(of: cookie) != nil }, "every frame is one of probe's STUN requests")
    }
}
