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

#if canImport(Glibc)
/// The devices of a named network namespace, and whether a name is the namespace natctl runs
/// in (a lab capture run inside a lab site must not capture its own interfaces twice).
public enum NamespaceInterfaces {
    /// Every device that is up in `namespace`, loopback excluded.
    public static func list(namespace: String) throws(CaptureError) -> [String] {
        try NetworkNamespace.run(in: namespace) { () throws(CaptureError) -> [String] in
            InterfaceAddresses.all().keys.filter { $0 != "lo" }.sorted()
        }
    }

    public static func isCurrent(_ namespace: String) -> Bool {
        var mine = stat()
        var theirs = stat()
        guard stat("/proc/thread-self/ns/net", &mine) == 0, stat("/run/netns/\(namespace)", &theirs) == 0 else { return false }
        return mine.st_ino == theirs.st_ino && mine.st_dev == theirs.st_dev
    }
}
#endif
