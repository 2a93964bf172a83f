import NIOCore

/// The `error` object of every natctl JSON document (docs/json.md): a stable kebab-case `code`
/// scripts can switch on (`name-not-resolved`, `no-answer`, `port-in-use`, ...) and the
/// human `message` also printed on stderr. Null in a document means the command did its job.
public struct ReportError: Encodable, Sendable, Equatable {
    /// Kebab-case cause, one of the codes listed in docs/exit-codes.md.
    public var code: String
    /// What went wrong and what to do, as printed on stderr (without the `natctl: ` prefix).
    public var message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }
}

/// The errno behind a socket error, so the CLI can name the cause ("port 3478 is already in
/// use") instead of printing `bind(descriptor:…) (errno: 98)`.
public enum SocketErrno {
    /// NIO's `IOError`, or an error that quotes one in its description (`... (errno: 98)`, as
    /// the server's `bindFailed` does).
    public static func code(of error: any Error) -> Int32? {
        if let io = error as? IOError { return io.errnoCode }
        let text = "\(error)"
        guard let range = text.range(of: "(errno: ", options: .backwards) else { return nil }
        return Int32(text[range.upperBound...].prefix { $0.isNumber })
    }
}
