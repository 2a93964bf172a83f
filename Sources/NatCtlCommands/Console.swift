import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where output goes: results to stdout, everything else to stderr (DESIGN.md).
///
/// Swift 6 forbids touching the C `stdout`/`stderr` globals, so stderr is written with
/// `write(2)`, and stdout is flushed after each result so pipes see it at once.
enum Console {
    static func result(_ text: String) {
        printed.withLockedValue { $0 = true }
        print(text)
        fflush(nil)
    }

    /// Whether anything went to stdout: `runMain` prints a `{schema, error}` document for a
    /// failed `--json` run only when the command printed no document of its own.
    static var hasPrintedResult: Bool { printed.withLockedValue { $0 } }

    private static let printed = NIOLockedValueBox(false)

    static func error(_ text: String) {
        let line = text.hasSuffix("\n") ? text : text + "\n"
        _ = line.utf8CString.withUnsafeBufferPointer { write(STDERR_FILENO, $0.baseAddress, $0.count - 1) }
    }

}
