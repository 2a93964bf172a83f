/// An attribute whose value is UTF-8 text with a byte limit.
public protocol TextAttribute: STUNAttributeValue {
    /// The largest value, in bytes, the RFC allows.
    static var maximumBytes: Int { get }
    var text: String { get }
    init(_ text: String)
}

extension TextAttribute {
    public init(stunValue: ArraySlice<UInt8>, transactionID: TransactionID) throws(STUNDecodeError) {
        guard stunValue.count <= Self.maximumBytes else {
            throw STUNDecodeError(place: "value", reason: "is \(stunValue.count) bytes, over the limit of \(Self.maximumBytes)")
        }
        guard let text = String(validating: stunValue, as: UTF8.self) else {
            throw STUNDecodeError(place: "value", reason: "is not valid UTF-8")
        }
        self.init(text)
    }

    /// Encodes the text, cut at the limit on a character boundary.
    public func stunValue(transactionID: TransactionID) -> [UInt8] {
        var bytes = Array(text.utf8)
        if bytes.count > Self.maximumBytes {
            var cut = ""
            for character in text where cut.utf8.count + character.utf8.count <= Self.maximumBytes { cut.append(character) }
            bytes = Array(cut.utf8)
        }
        return bytes
    }
}

/// USERNAME (RFC 8489 §14.3): the user in a credential, at most 513 bytes.
public struct Username: TextAttribute, Hashable {
    public static let attributeType = STUNAttributeType.username
    public static let maximumBytes = 513
    public var text: String
    public init(_ text: String) { self.text = text }
}

/// REALM (RFC 8489 §14.9): the long-term credential's realm, under 128 characters (763 bytes).
public struct Realm: TextAttribute, Hashable {
    public static let attributeType = STUNAttributeType.realm
    public static let maximumBytes = 763
    /// RFC 8489 §9.2: a nonce starting with this cookie carries security-feature bits (base64
    /// of 24 bits) after it; the server speaks RFC 8489, not just RFC 5389.
    public static let securityFeatureCookie = "obMatJos2"
    public var text: String
    public init(_ text: String) { self.text = text }
}

/// NONCE (RFC 8489 §14.10): the server's nonce, under 128 characters (763 bytes).
public struct Nonce: TextAttribute, Hashable {
    public static let attributeType = STUNAttributeType.nonce
    public static let maximumBytes = 763
    /// RFC 8489 §9.2: a nonce starting with this cookie carries security-feature bits (base64
    /// of 24 bits) after it; the server speaks RFC 8489, not just RFC 5389.
    public static let securityFeatureCookie = "obMatJos2"
    public var text: String
    public init(_ text: String) { self.text = text }
}

/// SOFTWARE (RFC 8489 §14.14): the agent's name and version, under 128 characters (763 bytes).
public struct Software: TextAttribute, Hashable {
    public static let attributeType = STUNAttributeType.software
    public static let maximumBytes = 763
    /// RFC 8489 §9.2: a nonce starting with this cookie carries security-feature bits (base64
    /// of 24 bits) after it; the server speaks RFC 8489, not just RFC 5389.
    public static let securityFeatureCookie = "obMatJos2"
    public var text: String
    public init(_ text: String) { self.text = text }
}
