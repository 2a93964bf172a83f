/// An optional report field that encodes as an explicit `null` when absent. In natctl's JSON
/// null means "not checked", which a missing key would blur; synthesized `Encodable` skips nil
/// optionals, but not a non-optional wrapper, so the key is always present.
@propertyWrapper
public struct Nullable<Value: Encodable & Sendable>: Encodable, Sendable {
    public var wrappedValue: Value?

    public init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }
}

extension Nullable: Equatable where Value: Equatable {}
