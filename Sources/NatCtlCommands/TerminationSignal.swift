import Dispatch
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#endif

/// SIGINT, SIGTERM or a time limit, whichever comes first, so servers, pipes and punch runs can
/// stop cleanly. Signals are caught (through `SignalCatcher`) from creation on; `wait()` returns
/// "SIGINT", "SIGTERM" or "duration elapsed". After the first signal the default actions come
/// back, so a second Ctrl-C ends the process at once should the clean stop itself get stuck.
/// The lock guards every field, which is what makes `@unchecked Sendable` sound.
final class TerminationSignal: @unchecked Sendable {
    private let lock = NIOLock()
    private var reason: String?
    private var continuation: CheckedContinuation<String, Never>?
    private var catcher: SignalCatcher?

    init(limitSeconds: Double?) {
        let catcher = SignalCatcher { [weak self] number in self?.finish(number == SIGINT ? "SIGINT" : "SIGTERM") }
        lock.withLock { self.catcher = catcher }
        if let limitSeconds {
            DispatchQueue.global().asyncAfter(deadline: .now() + limitSeconds) { [weak self] in self?.finish("duration elapsed") }
        }
    }

    func wait() async -> String {
        await withCheckedContinuation { continuation in
            let ready = lock.withLock { () -> String? in
                if let reason { return reason }
                self.continuation = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    private func finish(_ reason: String) {
        let (waiting, catcher) = lock.withLock { () -> (CheckedContinuation<String, Never>?, SignalCatcher?) in
            guard self.reason == nil else { return (nil, nil) }
            self.reason = reason
            defer {
                continuation = nil
                self.catcher = nil
            }
            return (continuation, self.catcher)
        }
        catcher?.cancel()
        waiting?.resume(returning: reason)
    }
}
