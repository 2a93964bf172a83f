import NATWire

extension ServerSpec {
    /// Resolves every server name concurrently within `limit`; results in the order given.
    public static func resolveAll(_ specs: [ServerSpec], limit: Duration) async -> [Result<[IPAddress], ResolveError>] {
        let resolved = await withTaskGroup(of: (Int, Result<[IPAddress], ResolveError>).self) { group in
            for (index, spec) in specs.enumerated() {
                group.addTask { (index, await HostResolver.resolution(of: spec.host, limit: limit)) }
            }
            var all: [Int: Result<[IPAddress], ResolveError>] = [:]
            for await (index, result) in group { all[index] = result }
            return all
        }
        return specs.indices.map { resolved[$0] ?? .failure(.notFound(host: specs[$0].host, reason: "not resolved")) }
    }
}
