import Foundation
import NATCapture

extension CommandFailure {
    /// A capture that could not start, or a file that could not be read or written.
    static func trace(_ error: any Error) -> CommandFailure {
        switch error {
        case let capture as CaptureError:
            if case .notPermitted = capture { return CommandFailure(.notPermitted, "trace: \(capture)") }
            return CommandFailure(.captureFailed, "trace: \(capture)")
        case let file as CaptureFileError:
            if case .unreadable(let path, _) = file, !FileManager.default.fileExists(atPath: path) {
                return CommandFailure(.fileNotFound, "trace: \(file)")
            }
            return CommandFailure(.badFile, "trace: \(file)")
        default:
            return CommandFailure(.failed, "trace: \(error)")
        }
    }
}

/// `trace --json` failures that happen before a report print `{schema, error}` of the trace schema.
extension NatCtl.Trace: JSONDocumentCommand {
    static let schema = TraceReport.schema
    var printsJSON: Bool { output.json }
}
