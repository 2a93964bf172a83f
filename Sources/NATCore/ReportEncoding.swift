import Foundation

/// JSON conventions of every natctl report (DESIGN.md): snake_case keys, `null` for "not
/// checked" (so optional fields are always present), sorted keys for stable diffs.
public enum ReportJSON {
    public static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

extension KeyedEncodingContainer {
    /// Encodes an optional as an explicit `null` when absent: in natctl's JSON, null means
    /// "not checked", which a missing key would blur.
    mutating func encodeNullable<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
}

/// Rounds milliseconds to microsecond precision so reports do not print float noise.
func roundedMilliseconds(_ duration: Duration) -> Double {
    (duration.millisecondsDouble * 1000).rounded() / 1000
}
