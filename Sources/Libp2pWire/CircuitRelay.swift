/// Circuit relay v2 (`/libp2p/circuit/relay/0.2.0/hop` and `/stop`): the messages a relay and
/// its clients exchange, varint-length-prefixed on a stream. A client RESERVEs a slot on the
/// relay; another peer CONNECTs to it through the relay, which opens a `stop` stream to the
/// reserved peer and, once that answers OK, splices the two streams within the `Limit`.
public enum CircuitRelay {
    public static let hopProtocol = "/libp2p/circuit/relay/0.2.0/hop"
    public static let stopProtocol = "/libp2p/circuit/relay/0.2.0/stop"
    /// Longest message natctl reads (go-libp2p's limit is 4 KiB).
    public static let maximumMessage = 4096

    /// An Error too, so a refusal can travel as a `Result` failure.
    public enum Status: UInt64, Sendable, Error {
        case ok = 100
        case reservationRefused = 200
        case resourceLimitExceeded = 201
        case permissionDenied = 202
        case connectionFailed = 203
        case noReservation = 204
        case malformedMessage = 400
        case unexpectedMessage = 401

        /// The spec's name for it (`NO_RESERVATION`), as reports show it.
        public var name: String {
            switch self {
            case .ok: "OK"
            case .reservationRefused: "RESERVATION_REFUSED"
            case .resourceLimitExceeded: "RESOURCE_LIMIT_EXCEEDED"
            case .permissionDenied: "PERMISSION_DENIED"
            case .connectionFailed: "CONNECTION_FAILED"
            case .noReservation: "NO_RESERVATION"
            case .malformedMessage: "MALFORMED_MESSAGE"
            case .unexpectedMessage: "UNEXPECTED_MESSAGE"
            }
        }
    }

    /// A peer as the messages carry it: its ID and (optionally) addresses, as multiaddr bytes.
    public struct Peer: Equatable, Sendable {
        public var id: PeerID
        public var addrs: [[UInt8]] = []

        public init(id: PeerID, addrs: [[UInt8]] = []) {
            self.id = id
            self.addrs = addrs
        }

        var encoded: [UInt8] {
            var writer = ProtobufWriter()
            writer.lengthDelimited(1, id.bytes)
            for address in addrs { writer.lengthDelimited(2, address) }
            return writer.bytes
        }

        init(encoded: [UInt8], place: String) throws(Libp2pDecodeError) {
            var id: PeerID?
            for (field, value) in try ProtobufReader.fields(encoded, place: place) {
                switch field {
                case 1: id = try PeerID(bytes: try value.bytes("\(place).id"))
                case 2: addrs.append(try value.bytes("\(place).addrs"))
                default: continue
                }
            }
            guard let id else { throw Libp2pDecodeError(place, "needs an id") }
            self.id = id
        }
    }

    /// What a relayed connection may use: seconds and bytes (in each direction); nil is no limit.
    public struct Limit: Equatable, Sendable {
        public var duration: UInt32?
        public var data: UInt64?

        public init(duration: UInt32?, data: UInt64?) {
            self.duration = duration
            self.data = data
        }

        var encoded: [UInt8] {
            var writer = ProtobufWriter()
            if let duration { writer.number(1, UInt64(duration)) }
            if let data { writer.number(2, data) }
            return writer.bytes
        }

        init(encoded: [UInt8], place: String) throws(Libp2pDecodeError) {
            for (field, value) in try ProtobufReader.fields(encoded, place: place) {
                switch field {
                case 1: duration = UInt32(truncatingIfNeeded: try value.varint("\(place).duration"))
                case 2: data = try value.varint("\(place).data")
                default: continue
                }
            }
        }
    }

    /// A granted reservation: when it ends (Unix seconds), the relay's addresses, and the signed
    /// voucher (an encoded `SignedEnvelope`).
    public struct Reservation: Equatable, Sendable {
        public var expire: UInt64
        public var addrs: [[UInt8]]
        public var voucher: [UInt8]?

        public init(expire: UInt64, addrs: [[UInt8]], voucher: [UInt8]?) {
            self.expire = expire
            self.addrs = addrs
            self.voucher = voucher
        }

        var encoded: [UInt8] {
            var writer = ProtobufWriter()
            writer.number(1, expire)
            for address in addrs { writer.lengthDelimited(2, address) }
            if let voucher { writer.lengthDelimited(3, voucher) }
            return writer.bytes
        }

        init(encoded: [UInt8], place: String) throws(Libp2pDecodeError) {
            var expire: UInt64?
            var addrs: [[UInt8]] = []
            for (field, value) in try ProtobufReader.fields(encoded, place: place) {
                switch field {
                case 1: expire = try value.varint("\(place).expire")
                case 2: addrs.append(try value.bytes("\(place).addrs"))
                case 3: voucher = try value.bytes("\(place).voucher")
                default: continue
                }
            }
            guard let expire else { throw Libp2pDecodeError(place, "needs expire") }
            (self.expire, self.addrs) = (expire, addrs)
        }
    }
}

/// A HopMessage: what a client sends the relay (RESERVE, CONNECT) and the relay's STATUS answer.
public struct HopMessage: Equatable, Sendable {
    public enum Kind: UInt64, Sendable {
        case reserve = 0, connect = 1, status = 2
    }

    public var kind: Kind
    public var peer: CircuitRelay.Peer?
    public var reservation: CircuitRelay.Reservation?
    public var limit: CircuitRelay.Limit?
    public var status: CircuitRelay.Status?

    public init(
        _ kind: Kind, peer: CircuitRelay.Peer? = nil, reservation: CircuitRelay.Reservation? = nil, limit: CircuitRelay.Limit? = nil,
        status: CircuitRelay.Status? = nil
    ) {
        (self.kind, self.peer, self.reservation, self.limit, self.status) = (kind, peer, reservation, limit, status)
    }

    public var encoded: [UInt8] {
        var writer = ProtobufWriter()
        writer.number(1, kind.rawValue)
        if let peer { writer.lengthDelimited(2, peer.encoded) }
        if let reservation { writer.lengthDelimited(3, reservation.encoded) }
        if let limit { writer.lengthDelimited(4, limit.encoded) }
        if let status { writer.number(5, status.rawValue) }
        return writer.bytes
    }

    public init(encoded: [UInt8]) throws(Libp2pDecodeError) {
        let place = "HopMessage"
        var kind: Kind?
        for (field, value) in try ProtobufReader.fields(encoded, place: place) {
            switch field {
            case 1: kind = Kind(rawValue: try value.varint("\(place).type"))
            case 2: peer = try CircuitRelay.Peer(encoded: try value.bytes("\(place).peer"), place: "\(place).peer")
            case 3: reservation = try CircuitRelay.Reservation(encoded: try value.bytes("\(place).reservation"), place: "\(place).reservation")
            case 4: limit = try CircuitRelay.Limit(encoded: try value.bytes("\(place).limit"), place: "\(place).limit")
            case 5: status = CircuitRelay.Status(rawValue: try value.varint("\(place).status"))
            default: continue
            }
        }
        guard let kind else { throw Libp2pDecodeError(place, "needs a known type") }
        self.kind = kind
    }
}

/// A StopMessage: the relay's CONNECT to the reserved peer (naming who is calling) and the
/// peer's STATUS answer.
public struct StopMessage: Equatable, Sendable {
    public enum Kind: UInt64, Sendable {
        case connect = 0, status = 1
    }

    public var kind: Kind
    public var peer: CircuitRelay.Peer?
    public var limit: CircuitRelay.Limit?
    public var status: CircuitRelay.Status?

    public init(_ kind: Kind, peer: CircuitRelay.Peer? = nil, limit: CircuitRelay.Limit? = nil, status: CircuitRelay.Status? = nil) {
        (self.kind, self.peer, self.limit, self.status) = (kind, peer, limit, status)
    }

    public var encoded: [UInt8] {
        var writer = ProtobufWriter()
        writer.number(1, kind.rawValue)
        if let peer { writer.lengthDelimited(2, peer.encoded) }
        if let limit { writer.lengthDelimited(3, limit.encoded) }
        if let status { writer.number(4, status.rawValue) }
        return writer.bytes
    }

    public init(encoded: [UInt8]) throws(Libp2pDecodeError) {
        let place = "StopMessage"
        var kind: Kind?
        for (field, value) in try ProtobufReader.fields(encoded, place: place) {
            switch field {
            case 1: kind = Kind(rawValue: try value.varint("\(place).type"))
            case 2: peer = try CircuitRelay.Peer(encoded: try value.bytes("\(place).peer"), place: "\(place).peer")
            case 3: limit = try CircuitRelay.Limit(encoded: try value.bytes("\(place).limit"), place: "\(place).limit")
            case 4: status = CircuitRelay.Status(rawValue: try value.varint("\(place).status"))
            default: continue
            }
        }
        guard let kind else { throw Libp2pDecodeError(place, "needs a known type") }
        self.kind = kind
    }
}
