/// PASSWORD-ALGORITHMS (RFC 8489 §14.11): the algorithms a server offers for the long-term key,
/// each as a 16-bit number, a 16-bit parameter length (0 for MD5 and SHA-256) and parameters.
public struct PasswordAlgorithms: STUNAttributeValue, Hashable {
    public static let attributeType = STUNAttributeType.passwordAlgorithms
    public var algorithms: [UInt16]

    public init(_ algorithms: [STUNIntegrityKey.PasswordAlgorithm]) { self.algorithms = algorithms.map(\.rawValue) }

    /// The offered algorithms natctl knows, in the server's order.
    public var known: [STUNIntegrityKey.PasswordAlgorithm] { algorithms.compactMap(STUNIntegrityKey.PasswordAlgorithm.init) }

    public init(stunValue: ArraySlice<UInt8>, transactionID: TransactionID) throws(STUNDecodeError) {
        var reader = ByteReader(stunValue, place: "value")
        algorithms = []
        while reader.remaining > 0 {
            algorithms.append(try reader.readUInt16("algorithm"))
            let length = Int(try reader.readUInt16("parameters length"))
            _ = try reader.readBytes((length + 3) & ~3, "parameters")
        }
    }

    public func stunValue(transactionID: TransactionID) -> [UInt8] {
        var out: [UInt8] = []
        for algorithm in algorithms {
            out.appendUInt16(algorithm)
            out.appendUInt16(0)
        }
        return out
    }
}

/// PASSWORD-ALGORITHM (RFC 8489 §14.12): the algorithm the client chose from the server's list.
public struct PasswordAlgorithmChoice: STUNAttributeValue, Hashable {
    public static let attributeType = STUNAttributeType.passwordAlgorithm
    public var algorithm: UInt16

    public init(_ algorithm: STUNIntegrityKey.PasswordAlgorithm) { self.algorithm = algorithm.rawValue }

    public init(stunValue: ArraySlice<UInt8>, transactionID: TransactionID) throws(STUNDecodeError) {
        var reader = ByteReader(stunValue, place: "value")
        algorithm = try reader.readUInt16("algorithm")
        let length = Int(try reader.readUInt16("parameters length"))
        _ = try reader.readBytes((length + 3) & ~3, "parameters")
    }

    public func stunValue(transactionID: TransactionID) -> [UInt8] {
        var out: [UInt8] = []
        out.appendUInt16(algorithm)
        out.appendUInt16(0)
        return out
    }
}
