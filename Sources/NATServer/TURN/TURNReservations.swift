import NATWire
import NIOConcurrencyHelpers
import NIOCore

/// Relayed ports held for a later Allocate (RFC 8656 §7.2): an Allocate with EVEN-PORT and its
/// R bit gets an even port N and a RESERVATION-TOKEN for N+1, which a second Allocate (RTCP,
/// often from another client socket, so perhaps on another relay thread) redeems within
/// `TURNConfiguration.reservationLifetime`. Shared by every relay thread, like the quota ledger.
///
/// A held port is a bound socket, so nothing else can take it meanwhile, and it counts against
/// the quotas of the client that asked for it until it is redeemed or expires: a client cannot
/// hold more sockets through reservations than its quota gives it allocations.
final class TURNReservations: Sendable {
    struct Held {
        let socket: RelayUDPSocket
        let username: String
        let client: IPAddress
    }

    private let held = NIOLockedValueBox([ReservationToken: Held]())

    /// Holds `socket` for a later Allocate by `username`; the token that redeems it.
    func hold(_ socket: RelayUDPSocket, username: String, client: IPAddress) -> ReservationToken {
        held.withLockedValue { held in
            var token = ReservationToken.random()
            while held[token] != nil { token = ReservationToken.random() }
            held[token] = Held(socket: socket, username: username, client: client)
            return token
        }
    }

    /// The port `token` holds, taken out of the table, when `username` reserved it; nil for a
    /// token that is unknown, expired, already used or another user's (which stays held).
    func redeem(_ token: ReservationToken, username: String) -> Held? {
        held.withLockedValue { held in
            guard let found = held[token], found.username == username else { return nil }
            held[token] = nil
            return found
        }
    }

    /// Takes `token`'s port out of the table if it is still held (its time is up).
    func expire(_ token: ReservationToken) -> Held? {
        held.withLockedValue { $0.removeValue(forKey: token) }
    }

    /// Takes every held port out (server shutdown).
    func removeAll() -> [Held] {
        held.withLockedValue { held in
            defer { held = [:] }
            return Array(held.values)
        }
    }

    var count: Int { held.withLockedValue { $0.count } }
}
