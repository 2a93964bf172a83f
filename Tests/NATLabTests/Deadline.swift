import Dispatch
import Synchronization

/// Runs blocking `work` on a Dispatch thread and gives up waiting after `seconds`, so a test of
/// something that could deadlock fails with a message instead of hanging the suite. (A work
/// item that is really stuck keeps its thread; the test has failed by then anyway.)
enum Deadline {
    struct Expired: Error, CustomStringConvertible {
        var seconds: Int
        var description: String { "still blocked after \(seconds) s: deadlocked?" }
    }

    static func run<T: Sendable>(within seconds: Int, _ work: @escaping @Sendable () throws -> T) async throws -> T {
        let result: Result<T, any Error> = await withCheckedContinuation { continuation in
            let once = Mutex<CheckedContinuation<Result<T, any Error>, Never>?>(continuation)
            let resume: @Sendable (Result<T, any Error>) -> Void = { result in
                once.withLock { pending in
                    pending?.resume(returning: result)
                    pending = nil
                }
            }
            DispatchQueue.global().async { resume(Result { try work() }) }
            DispatchQueue.global().asyncAfter(deadline: .now() + .seconds(seconds)) { resume(.failure(Expired(seconds: seconds))) }
        }
        return try result.get()
    }
}
