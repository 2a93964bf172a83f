#if canImport(Glibc)
import Glibc
import CPcap

/// Runs code with the calling thread inside a named network namespace (`ip netns` names,
/// /run/netns/NAME), then moves the thread back. Sockets opened inside stay in that namespace,
/// so capture handles for every lab namespace can live in one process.
enum NetworkNamespace {
    static func run<T>(in name: String?, _ body: () throws(CaptureError) -> T) throws(CaptureError) -> T {
        guard let name else { return try body() }
        let target = open("/run/netns/\(name)", O_RDONLY | O_CLOEXEC)
        guard target >= 0 else { throw .namespace(name, reason: String(cString: strerror(errno))) }
        defer { close(target) }
        let home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
        guard home >= 0 else { throw .namespace(name, reason: String(cString: strerror(errno))) }
        defer { close(home) }
        guard natctl_enter_network_namespace(target) == 0 else {
            let reason = errno == EPERM ? "entering a network namespace needs root (CAP_SYS_ADMIN)" : String(cString: strerror(errno))
            throw .namespace(name, reason: reason)
        }
        // Going home cannot fail for a thread that was just there; if it did, the thread
        // would keep running in the lab namespace, so stop rather than carry on wrongly.
        defer { precondition(natctl_enter_network_namespace(home) == 0, "could not return to the original network namespace") }
        return try body()
    }
}
#endif
