import ArgumentParser
import NATCore
import NATWire

/// `relay serve`'s libp2p flags: where the circuit relay v2 hop listens, the identity it keeps,
/// and its limits (go-libp2p's defaults).
struct Libp2pRelayOptions: ParsableArguments {
    @Option(name: .customLong("libp2p-listen"), help: ArgumentHelp(
        "Serve libp2p over TCP here (circuit relay v2 hop, identify, ping): a port on the --listen IP, or ip:port.", valueName: "port|ip:port"))
    var listen: String?

    @Option(name: .customLong("libp2p-identity"), help: ArgumentHelp(
        "Keep the libp2p identity (Ed25519 private key, libp2p's protobuf form) in this file, made when missing (default: a fresh identity each run).",
        valueName: "file"))
    var identityFile: String?

    @Option(name: .customLong("circuit-reservations"), help: "Reservations held at once.")
    var reservations = 128

    @Option(name: .customLong("circuit-reservations-per-ip"), help: "Reservations held at once for one IP.")
    var reservationsPerIP = 8

    @Option(name: .customLong("circuit-reservation-ttl"), help: ArgumentHelp("How long a reservation lasts unless renewed (at most a week; keep it well above 30: py-libp2p renews short ones in a loop).", valueName: "seconds"))
    var reservationSeconds: UInt64 = 3600

    @Option(name: .customLong("circuits-per-peer"), help: "Relayed connections one peer may be part of at once.")
    var circuitsPerPeer = 16

    @Option(name: .customLong("circuit-duration"), help: ArgumentHelp("How long one relayed connection may last.", valueName: "seconds"))
    var circuitSeconds: UInt32 = 120

    @Option(name: .customLong("circuit-bytes"), help: ArgumentHelp("Bytes one relayed connection may carry in each direction (at most 64 MiB).", valueName: "bytes"))
    var circuitBytes: UInt64 = 128 * 1024

    func validate() throws {
        if let listen, UInt16(listen) == nil, TransportAddress(listen) == nil {
            throw ValidationError("--libp2p-listen '\(listen)' is not a port, ip:port or [v6]:port")
        }
        guard reservations > 0, reservationsPerIP > 0, circuitsPerPeer > 0, reservationSeconds > 0, circuitSeconds > 0, circuitBytes > 0 else {
            throw ValidationError("the --circuit-* limits must be positive")
        }
        if circuitBytes > 64 << 20 { throw ValidationError("--circuit-bytes is at most 67108864 (64 MiB)") }
        if reservationSeconds > 7 * 86400 { throw ValidationError("--circuit-reservation-ttl is at most 604800 (a week)") }
    }

    /// Where to listen, given the STUN server's --listen address.
    func address(besides primary: TransportAddress) -> TransportAddress? {
        guard let listen else { return nil }
        if let port = UInt16(listen) { return TransportAddress(ip: primary.ip, port: port) }
        return TransportAddress(listen)
    }

    var configuration: CircuitRelayConfiguration {
        var configuration = CircuitRelayConfiguration()
        configuration.maximumReservations = reservations
        configuration.maximumReservationsPerIP = reservationsPerIP
        configuration.reservationSeconds = reservationSeconds
        configuration.maximumCircuitsPerPeer = circuitsPerPeer
        configuration.circuitSeconds = circuitSeconds
        configuration.circuitBytes = circuitBytes
        return configuration
    }
}
