/// ERROR-CODE (RFC 8489 §14.8): a three-digit code split into class (hundreds) and number,
/// plus a UTF-8 reason phrase of at most 763 bytes.
public struct ErrorCode: STUNAttributeValue, Hashable {
    public static let attributeType = STUNAttributeType.errorCode

    /// 300 to 699.
    public var code: Int
    public var reason: String

    public init(code: Int, reason: String? = nil) {
        self.code = code
        self.reason = reason ?? ErrorCode.defaultReason(code)
    }

    public static let tryAlternate = 300
    public static let badRequest = 400
    public static let unauthenticated = 401
    public static let unknownAttribute = 420
    public static let forbidden = 403
    public static let allocationMismatch = 437
    public static let staleNonce = 438
    public static let addressFamilyNotSupported = 440
    public static let wrongCredentials = 441
    public static let unsupportedTransportProtocol = 442
    public static let peerAddressFamilyMismatch = 443
    public static let allocationQuotaReached = 486
    public static let insufficientCapacity = 508
    public static let serverError = 500

    /// The reason phrases RFC 8489 §14.8 and RFC 8656 §18 recommend.
    public static func defaultReason(_ code: Int) -> String {
        switch code {
        case 300: "Try Alternate"
        case 400: "Bad Request"
        case 401: "Unauthenticated"
        case 403: "Forbidden"
        case 420: "Unknown Attribute"
        case 437: "Allocation Mismatch"
        case 438: "Stale Nonce"
        case 440: "Address Family not Supported"
        case 441: "Wrong Credentials"
        case 442: "Unsupported Transport Protocol"
        case 443: "Peer Address Family Mismatch"
        case 486: "Allocation Quota Reached"
        case 500: "Server Error"
        case 508: "Insufficient Capacity"
        default: "Error"
        }
    }

    public init(stunValue: ArraySlice<UInt8>, transactionID: TransactionID) throws(STUNDecodeError) {
        var reader = ByteReader(stunValue, place: "value")
        _ = try reader.readUInt16("reserved")
        let errorClass = Int(try reader.readUInt8("class") & 0x07)
        let number = Int(try reader.readUInt8("number"))
        guard (3...6).contains(errorClass) else {
            throw STUNDecodeError(place: "field class", reason: "\(errorClass) is outside 3...6")
        }
        guard number < 100 else {
            throw STUNDecodeError(place: "field number", reason: "\(number) is not below 100")
        }
        let phrase = try reader.readBytes(reader.remaining, "reason")
        guard phrase.count <= 763, let reason = String(validating: phrase, as: UTF8.self) else {
            throw STUNDecodeError(place: "field reason", reason: "is not UTF-8 text of at most 763 bytes")
        }
        self.code = errorClass * 100 + number
        self.reason = reason
    }

    public func stunValue(transactionID: TransactionID) -> [UInt8] {
        [0, 0, UInt8(code / 100 & 0x07), UInt8(code % 100)] + Array(reason.utf8.prefix(763))
    }
}
