import NATWire
/// Any JSON document, kept as a value so a traced operation's own report (natctl.probe/1, …)
/// can be embedded in the trace report unchanged.
public indirect enum JSONValue: Sendable, Codable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let value = try? c.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? c.decode(Double.self) {
            self = .number(value)
        } else if let value = try? c.decode(String.self) {
            self = .string(value)
        } else if let value = try? c.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try c.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let value): try c.encode(value)
        case .number(let value):
            // Integers stay integers in the output (ports, counts).
            if value.rounded() == value, abs(value) < 1e15 { try c.encode(Int64(value)) } else { try c.encode(value) }
        case .string(let value): try c.encode(value)
        case .array(let value): try c.encode(value)
        case .object(let value): try c.encode(value)
        }
    }
}

/// The operation a live trace ran, and what it said.
public struct TracedOperation: Sendable, Encodable {
    /// natctl's arguments for it, e.g. ["probe", "--server", "203.0.113.1:3478"].
    public var command: [String]
    public var exitCode: Int32
    /// Its own JSON report when run with --json; nil in text mode or when it printed none.
    @Nullable public var report: JSONValue?

    public init(command: [String], exitCode: Int32, report: JSONValue?) {
        self.command = command
        self.exitCode = exitCode
        self.report = report
    }
}
