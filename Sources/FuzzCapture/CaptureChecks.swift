import Foundation
import FuzzSupport
import NATCapture

/// What the capture harness runs on a capture that parsed.
enum CaptureChecks {
    /// The analysis `trace` prints: findings, timeline and the JSON document.
    static func explain(_ capture: Capture) {
        let report = TraceAnalyzer.report(capture, source: "fuzz")
        for finding in report.findings { _ = finding.sentence }
        fuzzRequire(report.timeline.count == capture.frames.count, "timeline has \(report.timeline.count) of \(capture.frames.count) frames")
        do {
            _ = try JSONEncoder().encode(report)
        } catch {
            fuzzRequire(false, "trace report does not encode as JSON: \(error)")
        }
    }

    /// Writes the capture and reads it back: what `--write` saves must open again with the same
    /// frames. pcap keeps only microseconds and one interface, so only pcapng compares stamps
    /// and interfaces.
    static func rewrite(_ capture: Capture, as format: CaptureFileWriter.Format) {
        let written: [UInt8]
        do throws(CaptureFileError) {
            written = try CaptureFileWriter.encode(capture, format: format, path: "fuzz.\(format)")
        } catch {
            // Only a pcap of several link types is refused; pcapng takes anything.
            fuzzRequire(format == .pcap && Set(capture.interfaces.map(\.linkType)).count > 1, "\(format) write failed: \(error)")
            return
        }
        let again: Capture
        do throws(CaptureFileError) {
            again = try CaptureFileReader.parse(written[...], path: "fuzz.\(format)")
        } catch {
            fuzzRequire(false, "natctl cannot read the \(format) it wrote: \(error)")
            return
        }
        fuzzRequire(again.frames.count == capture.frames.count, "\(format) round trip: \(again.frames.count) of \(capture.frames.count) frames")
        for (before, after) in zip(capture.frames, again.frames) {
            fuzzRequire(before.bytes == after.bytes && before.originalLength == after.originalLength, "\(format) round trip changed a frame")
            if format == .pcapng {
                fuzzRequire(before.timestampNanos == after.timestampNanos && before.interface == after.interface, "pcapng round trip moved a frame")
            }
        }
        guard format == .pcapng else { return }
        fuzzRequire(again.interfaces.count == capture.interfaces.count, "pcapng round trip: \(again.interfaces.count) interfaces")
        for (before, after) in zip(capture.interfaces, again.interfaces) {
            fuzzRequire(after.linkType == before.linkType && after.addresses == before.addresses && after.isLocal == before.isLocal, "pcapng round trip changed interface \(before.name)")
            // Names longer than an option holds are cut, on a character boundary.
            fuzzRequire(before.name.utf8.starts(with: after.name.utf8), "pcapng round trip renamed '\(before.name.prefix(40))' to '\(after.name.prefix(40))'")
            fuzzRequire(before.name.utf8.count > Int(UInt16.max) || after.name == before.name, "pcapng round trip renamed \(before.name.prefix(40))")
        }
    }
}
