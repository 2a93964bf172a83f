import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Feeds a child's stdin and reads its stdout and stderr at the same time, from one thread,
/// with poll(2).
///
/// Reading stdout to its end before stderr deadlocks as soon as the child fills stderr's pipe
/// (64 KiB): it blocks writing there while we block reading a stdout that never ends. Writing
/// all of stdin before reading deadlocks the same way with a child that answers while it reads
/// (`tee`, `nft -f -` echoing errors). One thread and poll, rather than a thread per pipe, also
/// keeps Foundation's FileHandle reads, which once crashed when driven from several threads,
/// out of it.
public enum PipeExchange {
    public struct Output {
        public var stdout: [UInt8] = []
        public var stderr: [UInt8] = []
    }

    /// Writes `input` to `stdin` (then closes it, so the child sees end of input) while reading
    /// `stdout` and `stderr` until both end. Blocks the calling thread: call it off Swift's
    /// cooperative pool (`Blocking.run`).
    public static func run(input: [UInt8], stdin: FileHandle?, stdout: FileHandle, stderr: FileHandle) -> Output {
        // A child that exits without reading its input makes write(2) raise SIGPIPE, which
        // would kill natctl: blocked on this thread for the exchange, and discarded after it.
        var pipeSignal = sigset_t()
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        var previousMask = sigset_t()
        pthread_sigmask(SIG_BLOCK, &pipeSignal, &previousMask)
        defer {
            var pending = sigset_t()
            var now = timespec()
            if sigpending(&pending) == 0, sigismember(&pending, SIGPIPE) == 1 { _ = sigtimedwait(&pipeSignal, nil, &now) }
            pthread_sigmask(SIG_SETMASK, &previousMask, nil)
        }
        var output = Output()
        var polls = [stdout, stderr].map { pollfd(fd: $0.fileDescriptor, events: Int16(POLLIN), revents: 0) }
        var written = 0
        let closeInput = { try? stdin?.close() }
        if let stdin, !input.isEmpty {
            _ = fcntl(stdin.fileDescriptor, F_SETFL, fcntl(stdin.fileDescriptor, F_GETFL) | O_NONBLOCK)
            polls.append(pollfd(fd: stdin.fileDescriptor, events: Int16(POLLOUT), revents: 0))
        } else {
            closeInput()
        }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while polls[0].fd >= 0 || polls[1].fd >= 0 {
            guard poll(&polls, nfds_t(polls.count), -1) >= 0 else {
                if errno == EINTR { continue }
                break
            }
            for index in 0..<2 where polls[index].revents != 0 {
                let count = read(polls[index].fd, &buffer, buffer.count)
                if count > 0 {
                    if index == 0 { output.stdout += buffer[0..<count] } else { output.stderr += buffer[0..<count] }
                } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
                    polls[index].fd = -1  // end of this stream
                }
                polls[index].revents = 0
            }
            if polls.count == 3, polls[2].revents != 0 {
                let count = input[written...].withUnsafeBytes { write(polls[2].fd, $0.baseAddress, $0.count) }
                if count > 0 { written += count }
                if written == input.count || (count < 0 && errno != EAGAIN && errno != EINTR) {
                    polls[2].fd = -1
                    closeInput()
                }
                polls[2].revents = 0
            }
        }
        if polls.count == 3, polls[2].fd >= 0 { closeInput() }
        return output
    }
}
