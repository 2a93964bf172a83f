import Dispatch

/// Runs a blocking call (waiting for a child process, reading a pipe to its end, a semaphore, a
/// synchronous lab build) on a Dispatch thread and suspends the calling task until it returns.
///
/// Swift's cooperative pool has one thread per core (two on our CI machines): a task that blocks
/// one of them in `waitUntilExit` or `read(2)` for the length of an operation leaves timers,
/// NIO callbacks and signal handling one thread, or none, to run on. Dispatch's global queue
/// instead grows a thread for work that blocks, which is what `HostResolver` relies on too.
public enum Blocking {
    /// Runs `work` off the cooperative pool and returns its result.
    public static func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: work()) }
        }
    }

    /// Runs throwing `work` off the cooperative pool; its error keeps its type.
    public static func run<T: Sendable, E: Error>(_ work: @escaping @Sendable () throws(E) -> T) async throws(E) -> T {
        let result: Result<T, E> = await run {
            do throws(E) { return .success(try work()) } catch { return .failure(error) }
        }
        return try result.get()
    }
}
