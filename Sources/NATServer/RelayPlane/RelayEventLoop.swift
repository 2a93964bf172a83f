import Dispatch
import Foundation
import CRelaySockets
import Glibc
import NIOConcurrencyHelpers
import NIOCore
import Synchronization

/// One relay thread: an epoll loop over raw UDP sockets (the listening socket and the relayed
/// sockets of the allocations it owns), with tasks and timers, conforming to NIO's `EventLoop`
/// so the TURN service's futures, expiry timers and `submit` work on it unchanged.
///
/// Why not NIO's own loop and `DatagramChannel`: on the relay's data path, NIO spent about
/// 13 000 instructions per datagram before and after natctl's own few hundred (a
/// `SocketAddress` formatted with inet_ntop per read, the pipeline, a write promise); coturn
/// spends about 1 500 in all. Reading straight into fixed slots with `recvmmsg` and sending
/// with `sendmmsg` removes that cost; the rest of the server (Binding, dial-back, rendezvous,
/// RFC 5780's other sockets) stays on NIO.
final class RelayEventLoop: EventLoop, @unchecked Sendable {
    private let epollFD: Int32
    private let wakeFD: Int32
    /// Tasks for the loop; once the loop has ended (`closed`), tasks run where they are
    /// submitted, so futures on this loop still complete instead of hanging.
    private struct Queue {
        var tasks: [@Sendable () -> Void] = []
        var closed = false
    }

    private let queued = NIOLockedValueBox(Queue())
    private let threadID = Atomic<UInt>(0)
    private let nextTimerID = Atomic<Int>(0)
    private let finished = DispatchSemaphore(value: 0)
    private let stopped = Atomic<Bool>(false)
    private let ended = Atomic<Bool>(false)
    // Loop-confined state.
    private var running = true
    private var handlers: [Int32: () -> Void] = [:]
    private var timers = TimerHeap()
    private var timerTasks: [Int: () -> Void] = [:]
    let name: String

    init(name: String) throws {
        self.name = name
        epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epollFD >= 0 else { throw RelayUDPSocket.Failure.system("epoll_create1", errno) }
        wakeFD = eventfd(0, Int32(EFD_NONBLOCK) | Int32(EFD_CLOEXEC))
        // Every property is set from here on, so a throw runs deinit, which closes epollFD.
        guard wakeFD >= 0 else { throw RelayUDPSocket.Failure.system("eventfd", errno) }
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.fd = wakeFD
        epoll_ctl(epollFD, EPOLL_CTL_ADD, wakeFD, &event)
        let thread = Thread { [self] in run() }
        thread.name = name
        thread.start()
    }

    // MARK: Sockets

    /// Calls `handler` on this loop whenever `fd` is readable (level-triggered). On the loop only.
    func register(_ fd: Int32, handler: @escaping () -> Void) {
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.fd = fd
        epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, &event)
        handlers[fd] = handler
    }

    /// Stops watching `fd` (before its owner closes it). On the loop only.
    func unregister(_ fd: Int32) {
        epoll_ctl(epollFD, EPOLL_CTL_DEL, fd, nil)
        handlers[fd] = nil
    }

    // MARK: EventLoop

    /// On the loop's thread; once that thread has ended, on every thread, since tasks then run
    /// where they are submitted (NIO's promises check this when they complete).
    var inEventLoop: Bool {
        ended.load(ordering: .acquiring) || threadID.load(ordering: .relaxed) == UInt(bitPattern: Int(bitPattern: pthread_self()))
    }

    func execute(_ task: @escaping @Sendable () -> Void) {
        let (runHere, wasEmpty) = queued.withLockedValue { queue -> (Bool, Bool) in
            guard !queue.closed else { return (true, false) }
            queue.tasks.append(task)
            return (false, queue.tasks.count == 1)
        }
        if runHere { return task() }
        if wasEmpty, !inEventLoop { wake() }
    }

    func scheduleTask<T>(deadline: NIODeadline, _ task: @escaping @Sendable () throws -> T) -> Scheduled<T> {
        let promise = makePromise(of: T.self)
        let id = nextTimerID.add(1, ordering: .relaxed).newValue
        // Set by `cancel()` from any thread: a cancel that overtakes the insertion (both queued
        // from another thread) must still keep the task from running.
        let cancelled = CancellationFlag()
        let insert: @Sendable () -> Void = { [self] in
            guard !cancelled.isSet else { return promise.fail(EventLoopError.cancelled) }
            timerTasks[id] = {
                do { promise.assumeIsolatedUnsafeUnchecked().succeed(try task()) } catch { promise.fail(error) }
            }
            timers.push(deadline: deadline.uptimeNanoseconds, id: id)
        }
        if inEventLoop { insert() } else { execute(insert) }
        return Scheduled(promise: promise) { [self] in
            cancelled.set()
            let cancel: @Sendable () -> Void = { [self] in
                if timerTasks.removeValue(forKey: id) != nil { promise.fail(EventLoopError.cancelled) }
            }
            if inEventLoop { cancel() } else { execute(cancel) }
        }
    }

    func scheduleTask<T>(in delay: TimeAmount, _ task: @escaping @Sendable () throws -> T) -> Scheduled<T> {
        scheduleTask(deadline: .now() + delay, task)
    }

    func next() -> any EventLoop { self }
    func makeIterator() -> EventLoopIterator { EventLoopIterator([self]) }

    func shutdownGracefully(queue: DispatchQueue, _ callback: @escaping @Sendable ((any Error)?) -> Void) {
        DispatchQueue.global().async { [self] in
            stop()
            queue.async { callback(nil) }
        }
    }

    /// Ends the loop and waits for its thread (not from the loop itself). Safe to call twice.
    func stop() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        execute { [self] in running = false }
        wake()
        finished.wait()
    }

    deinit {
        Glibc.close(epollFD)
        if wakeFD >= 0 { Glibc.close(wakeFD) }
    }

    // MARK: The loop

    private func wake() {
        var one: UInt64 = 1
        _ = write(wakeFD, &one, 8)
    }

    private func run() {
        threadID.store(UInt(bitPattern: Int(bitPattern: pthread_self())), ordering: .relaxed)
        natctl_name_thread(name)
        let capacity = 64
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: capacity)
        defer { events.deallocate() }
        while running {
            let ready = epoll_wait(epollFD, events, Int32(capacity), timeoutMilliseconds())
            for index in 0..<max(0, Int(ready)) {
                let fd = events[index].data.fd
                if fd == wakeFD {
                    var count: UInt64 = 0
                    _ = read(wakeFD, &count, 8)
                } else {
                    handlers[fd]?()
                }
            }
            runQueued()
            runDueTimers()
        }
        // Tasks that came in meanwhile run now; later ones run where they are submitted.
        while true {
            let tasks = queued.withLockedValue { queue in
                defer { queue.tasks = [] }
                queue.closed = queue.tasks.isEmpty
                if queue.closed { ended.store(true, ordering: .releasing) }
                return queue.tasks
            }
            if tasks.isEmpty { break }
            for task in tasks { task() }
        }
        finished.signal()
    }

    private func timeoutMilliseconds() -> Int32 {
        if queued.withLockedValue({ !$0.tasks.isEmpty }) { return 0 }
        guard let first = timers.first else { return -1 }
        let now = NIODeadline.now().uptimeNanoseconds
        guard first.deadline > now else { return 0 }
        return Int32(min((first.deadline - now + 999_999) / 1_000_000, 60_000))
    }

    private func runQueued() {
        let tasks = queued.withLockedValue { queue in
            defer { queue.tasks.removeAll(keepingCapacity: true) }
            return queue.tasks
        }
        for task in tasks { task() }
    }

    private func runDueTimers() {
        let now = NIODeadline.now().uptimeNanoseconds
        while let first = timers.first, first.deadline <= now {
            timers.pop()
            timerTasks.removeValue(forKey: first.id)?()
        }
        if timers.count > 64, timers.count > 4 * timerTasks.count { timers.keep { timerTasks[$0] != nil } }
    }
}

/// Whether a scheduled task was cancelled, shared by its insertion and its `Scheduled`.
private final class CancellationFlag: Sendable {
    private let value = Atomic<Bool>(false)
    var isSet: Bool { value.load(ordering: .acquiring) }
    func set() { value.store(true, ordering: .releasing) }
}

/// Timer deadlines in a binary min-heap; cancelled timers are skipped when they come up (and
/// compacted away when they outnumber the live ones).
struct TimerHeap {
    struct Entry {
        var deadline: UInt64
        var id: Int
    }

    private var entries: [Entry] = []
    var count: Int { entries.count }
    var first: Entry? { entries.first }

    mutating func push(deadline: UInt64, id: Int) {
        entries.append(Entry(deadline: deadline, id: id))
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard entries[child].deadline < entries[parent].deadline else { break }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() {
        guard !entries.isEmpty else { return }
        entries.swapAt(0, entries.count - 1)
        entries.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < entries.count, entries[left].deadline < entries[smallest].deadline { smallest = left }
            if right < entries.count, entries[right].deadline < entries[smallest].deadline { smallest = right }
            guard smallest != parent else { return }
            entries.swapAt(parent, smallest)
            parent = smallest
        }
    }

    /// Keeps the entries whose id passes `isLive`, restoring heap order.
    mutating func keep(where isLive: (Int) -> Bool) {
        let live = entries.filter { isLive($0.id) }
        entries = []
        for entry in live { push(deadline: entry.deadline, id: entry.id) }
    }
}
