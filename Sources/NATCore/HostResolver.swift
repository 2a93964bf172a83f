import Dispatch
import NATWire
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#endif

/// Why a server name could not be turned into addresses.
public enum ResolveError: Error, Equatable, Sendable, CustomStringConvertible {
    case notFound(host: String, reason: String)
    case timedOut(host: String, milliseconds: Int)

    public var description: String {
        switch self {
        case .notFound(let host, let reason): "the name '\(host)' did not resolve (\(reason))"
        case .timedOut(let host, let ms): "the name '\(host)' did not resolve within \(ms) ms"
        }
    }
}

/// Name resolution with a bound: getaddrinfo blocks and cannot be cancelled, so it runs on a
/// Dispatch thread (never on Swift's two cooperative threads) and the caller stops waiting at
/// the limit.
public enum HostResolver {
    /// The IPv4 and IPv6 addresses of `host` (an IP literal returns itself at once).
    public static func resolve(_ host: String, limit: Duration) async throws(ResolveError) -> [IPAddress] {
        try await resolution(of: host, limit: limit).get()
    }

    /// `resolve` as a value, for callers that collect many lookups in a task group.
    ///
    /// Why a value: Swift 6.3.1's optimiser miscompiles a task-group child closure of the shape
    /// `do throws(E) { return (index, .success(try await f())) } catch { … }`: in `-O` builds the
    /// tuple's first element comes back wrong, so results land under the wrong index and others
    /// go missing (`probe` in every release build said "not resolved"). A child that awaits this
    /// function has no typed `do`/`catch` and no `try await` inside a tuple.
    public static func resolution(of host: String, limit: Duration) async -> Result<[IPAddress], ResolveError> {
        if let literal = IPAddress(host) { return .success([literal]) }
        return await withCheckedContinuation { continuation in
            let once = NIOLockedValueBox<CheckedContinuation<Result<[IPAddress], ResolveError>, Never>?>(continuation)
            let resume: @Sendable (Result<[IPAddress], ResolveError>) -> Void = { result in
                once.withLockedValue { pending in
                    pending?.resume(returning: result)
                    pending = nil
                }
            }
            DispatchQueue.global().async { resume(lookup(host)) }
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(limit.milliseconds)) {
                resume(.failure(.timedOut(host: host, milliseconds: limit.milliseconds)))
            }
        }
    }

    private static func lookup(_ host: String) -> Result<[IPAddress], ResolveError> {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0, let first = list else {
            return .failure(.notFound(host: host, reason: String(cString: gai_strerror(status))))
        }
        defer { freeaddrinfo(first) }
        var addresses: [IPAddress] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            if let ip = ipAddress(of: entry.pointee.ai_addr), !addresses.contains(ip) { addresses.append(ip) }
            cursor = entry.pointee.ai_next
        }
        return addresses.isEmpty ? .failure(.notFound(host: host, reason: "no IPv4 or IPv6 address")) : .success(addresses)
    }

    /// Converts a `sockaddr` of family AF_INET or AF_INET6.
    static func ipAddress(of address: UnsafeMutablePointer<sockaddr>?) -> IPAddress? {
        address.flatMap { IPAddress(socketAddress: $0) }
    }
}

/// The host's own interface addresses, to tell "the server saw my own address" (no NAT).
public enum LocalInterfaces {
    /// Every address of every interface but those named in `excluded`.
    public static func addresses(excluding excluded: Set<String> = []) -> Set<IPAddress> {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return [] }
        defer { freeifaddrs(first) }
        var result = Set<IPAddress>()
        var cursor: UnsafeMutablePointer<ifaddrs>? = first
        while let entry = cursor {
            let name = entry.pointee.ifa_name.map { String(cString: $0) } ?? ""
            if !excluded.contains(name), let ip = HostResolver.ipAddress(of: entry.pointee.ifa_addr) { result.insert(ip) }
            cursor = entry.pointee.ifa_next
        }
        return result
    }
}
