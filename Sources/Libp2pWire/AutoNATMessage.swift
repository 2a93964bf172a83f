/// AutoNAT v1 (`/libp2p/autonat/1.0.0`): a peer asks another to dial it back at the addresses
/// it lists (DIAL), and hears whether a dial succeeded (DIAL_RESPONSE). One varint-length-
/// prefixed message each way on a fresh stream.
public struct AutoNATMessage: Equatable, Sendable {
    public static let protocolID = "/libp2p/autonat/1.0.0"
    public static let maximumLength = 4096

    public enum Kind: UInt64, Sendable {
        case dial = 0, dialResponse = 1
    }

    public enum Status: UInt64, Sendable {
        case ok = 0
        case dialError = 100
        case dialRefused = 101
        case badRequest = 200
        case internalError = 300

        /// The spec's name for it (`E_DIAL_ERROR`), as reports show it.
        public var name: String {
            switch self {
            case .ok: "OK"
            case .dialError: "E_DIAL_ERROR"
            case .dialRefused: "E_DIAL_REFUSED"
            case .badRequest: "E_BAD_REQUEST"
            case .internalError: "E_INTERNAL_ERROR"
            }
        }
    }

    public struct Response: Equatable, Sendable {
        public var status: Status
        public var statusText: String?
        /// The address the server reached, as multiaddr bytes.
        public var addr: [UInt8]?

        public init(status: Status, statusText: String? = nil, addr: [UInt8]? = nil) {
            (self.status, self.statusText, self.addr) = (status, statusText, addr)
        }
    }

    public var kind: Kind
    /// DIAL: who to dial (the asking peer's ID) and where, as multiaddr bytes.
    public var peer: PeerID?
    public var addrs: [[UInt8]] = []
    public var response: Response?

    public static func dial(_ peer: PeerID, addrs: [[UInt8]]) -> AutoNATMessage { AutoNATMessage(kind: .dial, peer: peer, addrs: addrs) }
    public static func answer(_ response: Response) -> AutoNATMessage { AutoNATMessage(kind: .dialResponse, response: response) }

    public var encoded: [UInt8] {
        var writer = ProtobufWriter()
        writer.number(1, kind.rawValue)
        if kind == .dial {
            var info = ProtobufWriter()
            if let peer { info.lengthDelimited(1, peer.bytes) }
            for address in addrs { info.lengthDelimited(2, address) }
            var dial = ProtobufWriter()
            dial.lengthDelimited(1, info.bytes)
            writer.lengthDelimited(2, dial.bytes)
        }
        if let response {
            var inner = ProtobufWriter()
            inner.number(1, response.status.rawValue)
            if let text = response.statusText { inner.text(2, text) }
            if let addr = response.addr { inner.lengthDelimited(3, addr) }
            writer.lengthDelimited(3, inner.bytes)
        }
        return writer.bytes
    }

    public init(encoded: [UInt8]) throws(Libp2pDecodeError) {
        let place = "AutoNAT Message"
        var kind: Kind?
        for (field, value) in try ProtobufReader.fields(encoded, place: place) {
            switch field {
            case 1: kind = Kind(rawValue: try value.varint("\(place).type"))
            case 2:
                for (dialField, dialValue) in try ProtobufReader.fields(try value.bytes("\(place).dial"), place: "\(place).dial") where dialField == 1 {
                    for (infoField, infoValue) in try ProtobufReader.fields(try dialValue.bytes("\(place).dial.peer"), place: "\(place).dial.peer") {
                        switch infoField {
                        case 1: peer = try PeerID(bytes: try infoValue.bytes("\(place).dial.peer.id"))
                        case 2: addrs.append(try infoValue.bytes("\(place).dial.peer.addrs"))
                        default: continue
                        }
                    }
                }
            case 3:
                var status: Status?
                var text: String?
                var addr: [UInt8]?
                for (responseField, responseValue) in try ProtobufReader.fields(try value.bytes("\(place).dialResponse"), place: "\(place).dialResponse") {
                    switch responseField {
                    case 1: status = Status(rawValue: try responseValue.varint("\(place).dialResponse.status"))
                    case 2: text = try responseValue.string("\(place).dialResponse.statusText")
                    case 3: addr = try responseValue.bytes("\(place).dialResponse.addr")
                    default: continue
                    }
                }
                guard let status else { throw Libp2pDecodeError("\(place).dialResponse", "needs a known status") }
                response = Response(status: status, statusText: text, addr: addr)
            default: continue
            }
        }
        guard let kind else { throw Libp2pDecodeError(place, "needs a known type") }
        self.kind = kind
    }

    init(kind: Kind, peer: PeerID? = nil, addrs: [[UInt8]] = [], response: Response? = nil) {
        (self.kind, self.peer, self.addrs, self.response) = (kind, peer, addrs, response)
    }
}
