/// AutoNAT v2 (`/libp2p/autonat/2/dial-request` and `/dial-back`): a client lists addresses
/// and a nonce; the server picks the first it will dial (asking for 30–100 kB of dial data
/// first when its IP is not the one the request came from), dials it, sends the nonce on a
/// `dial-back` stream of the new connection, and reports which address it tried and how the
/// dial went. The nonce, not the peer ID, proves the dial-back reached the client.
public enum AutoNATv2Message: Equatable, Sendable {
    public static let dialRequestProtocol = "/libp2p/autonat/2/dial-request"
    public static let dialBackProtocol = "/libp2p/autonat/2/dial-back"
    /// Longest message natctl reads: a request's addresses, or one chunk of dial data.
    public static let maximumLength = 8192
    /// The most dial data one `DialDataResponse` may carry.
    public static let maximumDataChunk = 4096

    /// How the server's dial went (`DialStatus`).
    public enum DialStatus: UInt64, Sendable {
        case unused = 0, dialError = 100, dialBackError = 101, ok = 200

        public var name: String {
            switch self {
            case .unused: "UNUSED"
            case .dialError: "E_DIAL_ERROR"
            case .dialBackError: "E_DIAL_BACK_ERROR"
            case .ok: "OK"
            }
        }
    }

    /// Whether the server served the request (`DialResponse.ResponseStatus`).
    public enum ResponseStatus: UInt64, Sendable {
        case internalError = 0, requestRejected = 100, dialRefused = 101, ok = 200

        public var name: String {
            switch self {
            case .internalError: "E_INTERNAL_ERROR"
            case .requestRejected: "E_REQUEST_REJECTED"
            case .dialRefused: "E_DIAL_REFUSED"
            case .ok: "OK"
            }
        }
    }

    case dialRequest(addrs: [[UInt8]], nonce: UInt64)
    case dialResponse(status: ResponseStatus, addrIdx: UInt32, dialStatus: DialStatus)
    case dialDataRequest(addrIdx: UInt32, numBytes: UInt64)
    case dialDataResponse(data: [UInt8])

    public var encoded: [UInt8] {
        var inner = ProtobufWriter()
        let field: Int
        switch self {
        case .dialRequest(let addrs, let nonce):
            field = 1
            for address in addrs { inner.lengthDelimited(1, address) }
            inner.fixed64(2, nonce)
        case .dialResponse(let status, let addrIdx, let dialStatus):
            field = 2
            inner.number(1, status.rawValue)
            inner.number(2, UInt64(addrIdx))
            inner.number(3, dialStatus.rawValue)
        case .dialDataRequest(let addrIdx, let numBytes):
            field = 3
            inner.number(1, UInt64(addrIdx))
            inner.number(2, numBytes)
        case .dialDataResponse(let data):
            field = 4
            inner.lengthDelimited(1, data)
        }
        var writer = ProtobufWriter()
        writer.lengthDelimited(field, inner.bytes)
        return writer.bytes
    }

    public init(encoded: [UInt8]) throws(Libp2pDecodeError) {
        let place = "AutoNAT v2 Message"
        var decoded: AutoNATv2Message?
        for (field, value) in try ProtobufReader.fields(encoded, place: place) {
            let inner = try ProtobufReader.fields(try value.bytes("\(place).msg"), place: "\(place).msg")
            func number(_ wanted: Int) throws(Libp2pDecodeError) -> UInt64 {
                var found: UInt64 = 0  // proto3: an absent field is zero
                for (innerField, innerValue) in inner where innerField == wanted { found = try innerValue.varint("\(place) field \(wanted)") }
                return found
            }
            switch field {
            case 1:
                var addrs: [[UInt8]] = []
                var nonce: UInt64 = 0
                for (innerField, innerValue) in inner {
                    if innerField == 1 { addrs.append(try innerValue.bytes("\(place).dialRequest.addrs")) }
                    if innerField == 2 { nonce = try innerValue.fixed64("\(place).dialRequest.nonce") }
                }
                decoded = .dialRequest(addrs: addrs, nonce: nonce)
            case 2:
                guard let status = ResponseStatus(rawValue: try number(1)) else { throw Libp2pDecodeError("\(place).dialResponse", "unknown status") }
                let dialStatus = DialStatus(rawValue: try number(3)) ?? .unused
                decoded = .dialResponse(status: status, addrIdx: UInt32(truncatingIfNeeded: try number(2)), dialStatus: dialStatus)
            case 3:
                decoded = .dialDataRequest(addrIdx: UInt32(truncatingIfNeeded: try number(1)), numBytes: try number(2))
            case 4:
                var data: [UInt8] = []
                for (innerField, innerValue) in inner where innerField == 1 { data = try innerValue.bytes("\(place).dialDataResponse.data") }
                decoded = .dialDataResponse(data: data)
            default: continue
            }
        }
        guard let decoded else { throw Libp2pDecodeError(place, "no message in the oneof") }
        self = decoded
    }

    /// `DialBack` (the nonce, on the dial-back stream) and `DialBackResponse` (status OK = 0).
    public static func dialBack(nonce: UInt64) -> [UInt8] {
        var writer = ProtobufWriter()
        writer.fixed64(1, nonce)
        return writer.bytes
    }

    public static func nonce(ofDialBack message: [UInt8]) throws(Libp2pDecodeError) -> UInt64 {
        for (field, value) in try ProtobufReader.fields(message, place: "DialBack") where field == 1 { return try value.fixed64("DialBack.nonce") }
        throw Libp2pDecodeError("DialBack", "no nonce")
    }

    public static let dialBackResponseOK: [UInt8] = {
        var writer = ProtobufWriter()
        writer.number(1, 0)
        return writer.bytes
    }()
}
