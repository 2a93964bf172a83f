import Foundation

/// JSON conventions of every natctl report (DESIGN.md): snake_case keys, `null` for "not
/// checked" (so optional fields are always present), sorted keys for stable diffs.
public enum ReportJSON {
    public static func encode(_ value: some Encodable) throws -> String {
        try encode(value, formatting: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }

    /// One compact line, for streams of events (JSON Lines).
    public static func encodeLine(_ value: some Encodable) throws -> String {
        try encode(value, formatting: [.sortedKeys, .withoutEscapingSlashes])
    }

    private static func encode(_ value: some Encodable, formatting: JSONEncoder.OutputFormatting) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = formatting
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

/// Rounds milliseconds to microsecond precision so reports do not print float noise.
func roundedMilliseconds(_ duration: Duration) -> Double {
    (duration.millisecondsDouble * 1000).rounded() / 1000
}
