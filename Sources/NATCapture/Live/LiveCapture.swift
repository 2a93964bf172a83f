#if canImport(Glibc)
import CPcap
import Foundation
import Glibc

/// A running capture on one or more devices, possibly in several network namespaces, read by
/// one background thread that polls every handle. `stop()` collects what was seen, at most
/// `frameLimit` frames of it (`FrameBudget` says why a cap and not a stream).
public final class LiveCapture: @unchecked Sendable {
    private let handles: [PcapHandle]
    private let budget: FrameBudget
    private let lock = NSLock()
    private var stopping = false
    private let finished = DispatchSemaphore(value: 0)

    /// Opens and activates every target before returning, so nothing the caller sends next is
    /// missed. `filter` is BPF syntax (pcap-filter(7)). Each of this host's devices gets
    /// `bufferBytes` of kernel ring; lab namespaces' devices (there may be a dozen) a quarter.
    public init(
        targets: [CaptureTarget], filter: String?, bufferBytes: Int = 32 << 20, frameLimit: Int = FrameBudget.defaultLimit
    ) throws(CaptureError) {
        guard !targets.isEmpty else { throw .noInterface(reason: "no targets were given") }
        let budget = FrameBudget(limit: frameLimit)
        self.budget = budget
        var opened: [PcapHandle] = []
        for (index, target) in targets.enumerated() {
            let handle = try NetworkNamespace.run(in: target.namespace) { () throws(CaptureError) -> PcapHandle in
                try PcapHandle(
                    target: target, index: index, filter: filter, bufferBytes: target.namespace == nil ? bufferBytes : bufferBytes / 4,
                    budget: budget)
            }
            opened.append(handle)
        }
        handles = opened
        let thread = Thread { [self] in pollLoop() }
        thread.name = "natctl-capture"
        thread.start()
    }

    private var shouldStop: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopping
    }

    private func pollLoop() {
        var descriptors = handles.map { pollfd(fd: $0.selectableDescriptor, events: Int16(POLLIN), revents: 0) }
        while !shouldStop {
            // A bounded wait, so a stop request is noticed within 20 ms even on a silent link.
            guard poll(&descriptors, nfds_t(descriptors.count), 20) >= 0 || errno == EINTR else { break }
            for (index, descriptor) in descriptors.enumerated() where descriptor.revents != 0 {
                handles[index].drain()
                // A device that went away (lab torn down) would make poll return at once forever.
                if descriptor.revents & Int16(POLLERR | POLLHUP | POLLNVAL) != 0 || handles[index].failure != nil {
                    if handles[index].failure == nil { handles[index].failure = "the device stopped delivering packets" }
                    descriptors[index].fd = -1
                }
                descriptors[index].revents = 0
            }
        }
        for handle in handles { handle.drain() }
        finished.signal()
    }

    /// Stops reading, takes the last packets the kernel holds, and returns the capture in
    /// time order with each device's drop counts.
    public func stop() -> Capture {
        lock.lock()
        stopping = true
        lock.unlock()
        // Every caller waits for the thread's end, and passes the signal on to the next caller.
        finished.wait()
        finished.signal()
        let frames = handles.flatMap(\.frames).sorted { $0.timestampNanos < $1.timestampNanos }
        var capture = Capture(interfaces: handles.map(\.interface), frames: frames, drops: handles.map(\.drops))
        capture.warnings = handles.compactMap { handle in handle.failure.map { "capture on '\(handle.target)' ended early: \($0)" } }
        if let warning = budget.warning { capture.warnings.append(warning) }
        return capture
    }

    /// Frames seen after the limit was reached and not kept; meaningful once `stop()` returned.
    public var framesNotKept: Int { budget.refused }
}
#endif
