import Foundation
import NATCapture
import NATCore

#if canImport(Glibc)
import Glibc
#endif

extension TraceRun {
    /// How long the operation has to end after a forwarded signal before it is killed. The
    /// operations trace runs end at once on SIGINT or SIGTERM, so this only bounds a stuck one.
    static let grace = Duration.seconds(5)

    /// Waits for the operation to end, passing every signal natctl gets meanwhile on to it (so
    /// `kill -INT` of trace alone stops both), then lingers (not after a signal: the user wants
    /// it to stop) and stops the capture. `signal` is the first signal that arrived, if any.
    func finish(events: Mailbox<ChildEvent>) async -> (capture: Capture, operation: TracedOperation, signal: Int32?) {
        let (end, signal) = await ChildSupervisor(pid: process.processIdentifier, exit: exit, events: events, grace: Self.grace).wait()
        let data = await output.value
        if signal == nil { try? await Task.sleep(for: Self.linger) }
        let capture = self.capture
        let captured = await Blocking.run { capture.stop() }
        let report = data.flatMap { try? JSONDecoder().decode(JSONValue.self, from: $0) }
        return (captured, TracedOperation(command: command, exitCode: end.status, report: report), signal)
    }

    /// `--duration` without an operation: captures until the time is up or a signal arrives.
    static func capture(_ live: LiveCapture, for seconds: Double, events: Mailbox<ChildEvent>) async -> (capture: Capture, signal: Int32?) {
        var signal: Int32?
        if case .signal(let number) = await events.next(within: .milliseconds(Int(seconds * 1000))) { signal = number }
        return (await Blocking.run { live.stop() }, signal)
    }
}

/// The usual name of a termination signal, for reports and messages.
func signalName(_ number: Int32) -> String {
    switch number {
    case SIGINT: "SIGINT"
    case SIGTERM: "SIGTERM"
    case SIGHUP: "SIGHUP"
    default: "signal \(number)"
    }
}
