import Foundation
import NATCore
import Testing

/// natctl in the background, stopped with a signal the way a user stops it (Ctrl-C, kill).
/// `@unchecked Sendable`: its buffer is only touched by one awaited reader at a time.
final class SignalledProcess: @unchecked Sendable {
    private let process = Process()
    private let exit: ChildExit
    private let out = Pipe()
    private let err = Pipe()
    private var stderrSeen = Data()

    init(_ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: Subprocess.natctl)
        process.arguments = arguments
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        exit = ChildExit(watching: process)
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }

    /// Reads stderr until `marker` shows up; the process is killed if that takes over 15 s.
    func stderr(until marker: String) async throws -> String {
        let pid = self.pid
        let killer = DispatchWorkItem { kill(pid, SIGKILL) }
        DispatchQueue.global().asyncAfter(deadline: .now() + 15, execute: killer)
        defer { killer.cancel() }
        let handle = err.fileHandleForReading
        while !String(decoding: stderrSeen, as: UTF8.self).contains(marker) {
            let chunk = await Blocking.run { handle.availableData }
            if chunk.isEmpty { throw ProcessFailure(message: "ended before '\(marker)' on stderr: \(String(decoding: stderrSeen, as: UTF8.self))") }
            stderrSeen += chunk
        }
        return String(decoding: stderrSeen, as: UTF8.self)
    }

    func send(_ signal: Int32) { kill(pid, signal) }

    /// Waits for the end (SIGKILL after `limit` seconds), reading both outputs at once.
    func finish(limit: Double = 20) async -> (end: ChildEnd, stdout: String, stderr: String) {
        let pid = self.pid
        let killer = DispatchWorkItem { kill(pid, SIGKILL) }
        DispatchQueue.global().asyncAfter(deadline: .now() + limit, execute: killer)
        defer { killer.cancel() }
        let (outHandle, errHandle) = (out.fileHandleForReading, err.fileHandleForReading)
        async let stdout = Blocking.run { outHandle.readDataToEndOfFile() }
        async let stderr = Blocking.run { errHandle.readDataToEndOfFile() }
        let end = await exit.wait()
        let rest = await stderr
        return (end, String(decoding: await stdout, as: UTF8.self), String(decoding: stderrSeen + rest, as: UTF8.self))
    }
}

/// A UDP socket on 127.0.0.1 for tests to send from or wait on, with every wait bounded.
final class LoopbackSocket {
    let fd: Int32
    let port: UInt16

    init() throws {
        (fd, port) = try Self.bound(type: SOCK_DGRAM)
        var limit = timeval(tv_sec: 15, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    /// A socket of `type` bound to an ephemeral port of 127.0.0.1, and that port.
    static func bound(type: __socket_type) throws -> (fd: Int32, port: UInt16) {
        let fd = socket(AF_INET, Int32(type.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard fd >= 0, bound else {
            if fd >= 0 { close(fd) }
            throw ProcessFailure(message: "cannot bind a socket on 127.0.0.1")
        }
        return (fd, UInt16(bigEndian: address.sin_port))
    }

    /// Sends `payload` to 127.0.0.1:`port`.
    func send(_ payload: [UInt8], to port: UInt16) {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, payload, payload.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }

    /// Waits (at most 15 s, off the cooperative pool) for one datagram; its size, or nil.
    func receive() async -> Int? {
        let fd = self.fd
        return await Blocking.run {
            var buffer = [UInt8](repeating: 0, count: 2048)
            let count = recv(fd, &buffer, buffer.count, 0)
            return count >= 0 ? count : nil
        }
    }
}
