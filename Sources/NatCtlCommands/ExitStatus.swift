import ArgumentParser

/// natctl's documented exit codes (docs/exit-codes.md, and the man page).
enum ExitStatus {
    /// An `--expect` / `--require` assertion did not hold.
    static let assertionFailed = ExitCode(1)
    /// The operation could not be done: no server answered, a socket could not be bound.
    static let operationFailed = ExitCode(2)
    /// Stopped by SIGINT or SIGTERM (128 + SIGINT's 2, as shells report it); what was done is kept and reported.
    static let interrupted = ExitCode(130)
    /// Bad flags or values. ArgumentParser's `ValidationError` already exits with this code.
    static let usage = ExitCode(64)
}
