/// PUNCH-RELAY-CREDENTIAL (natctl): short-lived TURN credentials (the shared-secret scheme's
/// `expiry:name` username and its password) the server hands paired peers, so falling back to
/// its relay needs no flags. Two bytes username length, the username, then the password.
public struct PunchRelayCredential: STUNAttributeValue, Hashable {
    public static let attributeType = STUNAttributeType.punchRelayCredential
    public var username: String
    public var password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    public init(stunValue: ArraySlice<UInt8>, transactionID: TransactionID) throws(STUNDecodeError) {
        var reader = ByteReader(stunValue, place: "value")
        let length = Int(try reader.readUInt16("username length"))
        let name = try reader.readBytes(length, "username")
        let secret = stunValue.dropFirst(2 + length)
        guard let username = String(validating: name, as: UTF8.self), let password = String(validating: secret, as: UTF8.self) else {
            throw STUNDecodeError(place: "value", reason: "username or password is not valid UTF-8")
        }
        self.username = username
        self.password = password
    }

    public func stunValue(transactionID: TransactionID) -> [UInt8] {
        var out: [UInt8] = []
        out.appendUInt16(UInt16(username.utf8.count))
        return out + Array(username.utf8) + Array(password.utf8)
    }
}
