import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The write end of the current catcher's pipe, for the C signal handler (which can reach no
/// Swift context); -1 when no catcher is installed.
private let signalPipeWriteEnd = Atomic<Int32>(-1)

/// The signal handler: writes the signal's number to the pipe and nothing else (write(2) is
/// async-signal-safe; the pipe is non-blocking, so a flood of signals cannot stall it).
private func forwardSignalToPipe(_ number: Int32) {
    let saved = errno
    let fd = signalPipeWriteEnd.load(ordering: .acquiring)
    if fd >= 0 {
        var byte = UInt8(truncatingIfNeeded: number)
        _ = write(fd, &byte, 1)
    }
    errno = saved
}

/// Catches SIGINT and SIGTERM (by default) and hands each one to `onSignal`, on a Dispatch
/// thread, for as long as it is installed. One catcher at a time per process.
///
/// Why a real handler rather than `SIG_IGN` plus a Dispatch signal source (`TerminationSignal`):
/// children inherit an ignored signal across exec, so a child natctl starts while it ignores
/// SIGINT can be neither interrupted by Ctrl-C nor by natctl forwarding the signal. A caught
/// signal is reset to its default action in the child by exec, so `lab exec` and `trace` can
/// catch signals before starting their child and still pass them on.
final class SignalCatcher: @unchecked Sendable {
    private let signals: [Int32]
    private var previous: [sigaction] = []
    private let source: (any DispatchSourceRead)?
    private let cancelled = Mutex(false)

    /// Installs the handlers at once; `onSignal` gets each signal's number, in arrival order.
    init(_ signals: [Int32] = [SIGINT, SIGTERM], onSignal: @escaping @Sendable (Int32) -> Void) {
        self.signals = signals
        var fds: [Int32] = [-1, -1]
        // A process out of descriptors cannot catch signals; it keeps the default actions.
        guard pipe(&fds) == 0 else {
            source = nil
            return
        }
        let (readEnd, writeEnd) = (fds[0], fds[1])
        // Not inherited by children (the signals are theirs to get), and never blocking the handler.
        for fd in fds {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
        let source = DispatchSource.makeReadSource(fileDescriptor: readEnd, queue: .global())
        source.setEventHandler {
            var bytes = [UInt8](repeating: 0, count: 16)
            let count = read(readEnd, &bytes, bytes.count)
            for byte in bytes.prefix(max(count, 0)) { onSignal(Int32(byte)) }
        }
        // The pipe is never closed (two descriptors for the life of the process, one catcher
        // per command): a handler already running on another thread when `cancel()` runs must
        // never write into a descriptor that was closed and reused for something else.
        source.resume()
        self.source = source
        signalPipeWriteEnd.store(writeEnd, ordering: .releasing)
        for number in signals {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = forwardSignalToPipe
            action.sa_flags = SA_RESTART
            sigemptyset(&action.sa_mask)
            var old = sigaction()
            sigaction(number, &action, &old)
            previous.append(old)
        }
    }

    /// Puts the previous actions back and stops delivering; signals after this act as before.
    func cancel() {
        let already = cancelled.withLock { cancelled in
            defer { cancelled = true }
            return cancelled
        }
        guard !already, let source else { return }
        for (number, old) in zip(signals, previous) {
            var old = old
            sigaction(number, &old, nil)
        }
        signalPipeWriteEnd.store(-1, ordering: .releasing)
        source.cancel()
    }

    deinit { cancel() }
}
