import NATWire
import NIOConcurrencyHelpers

/// Allocations counted per user, per client subscriber (an IPv4 address or an IPv6 /64) and in
/// all, shared by every relay thread: a client may land on any thread, and the quotas
/// (`--user-quota`, `--ip-quota`, `--total-quota`) are the server's, not one thread's.
/// An allocation is counted from its Allocate until it closes.
final class TURNQuotaLedger: Sendable {
    private struct Counts {
        var total = 0
        var byUser: [String: Int] = [:]
        var bySubscriber: [IPAddress: Int] = [:]
    }

    private let counts = NIOLockedValueBox(Counts())

    /// Counts one more allocation for `username` from `ip`; nil when counted, else the error to
    /// answer: 486 when the user or client IP holds its quota, 508 when the server does.
    func reserve(username: String, from ip: IPAddress, _ configuration: TURNConfiguration) -> Int? {
        let subscriber = ip.subscriber
        return counts.withLockedValue { counts in
            if configuration.totalQuota > 0, counts.total >= configuration.totalQuota { return ErrorCode.insufficientCapacity }
            if configuration.userQuota > 0, !configuration.credentials.open, counts.byUser[username, default: 0] >= configuration.userQuota {
                return ErrorCode.allocationQuotaReached
            }
            if configuration.ipQuota > 0, counts.bySubscriber[subscriber, default: 0] >= configuration.ipQuota {
                return ErrorCode.allocationQuotaReached
            }
            counts.total += 1
            counts.byUser[username, default: 0] += 1
            counts.bySubscriber[subscriber, default: 0] += 1
            return nil
        }
    }

    /// Uncounts an allocation `reserve` counted (closed, or its relayed socket could not bind).
    func release(username: String, from ip: IPAddress) {
        let subscriber = ip.subscriber
        counts.withLockedValue { counts in
            counts.total -= 1
            counts.byUser[username, default: 1] -= 1
            if counts.byUser[username] == 0 { counts.byUser[username] = nil }
            counts.bySubscriber[subscriber, default: 1] -= 1
            if counts.bySubscriber[subscriber] == 0 { counts.bySubscriber[subscriber] = nil }
        }
    }

    var total: Int { counts.withLockedValue { $0.total } }
}
