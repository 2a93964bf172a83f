import NATCore
import NATWire

/// The servers `natctl classify` uses: every name given, resolved at once, kept when it has an
/// address of the classified family (the one asked for, else the first resolved server's).
struct ClassifyServers {
    /// Usable addresses, in the order given, with the name each came from.
    var addresses: [TransportAddress] = []
    var names: [TransportAddress: ServerSpec] = [:]
    /// Names that could not be used, with why, as report records.
    var unusable: [ClassifierServerRecord] = []
    /// Whether some name resolved, but only to addresses of another family.
    var familyMismatch = false

    /// Why no server could be used, naming the real cause of each: a family mismatch when any
    /// name resolved, else names that did not resolve.
    var failure: CommandFailure {
        let causes = unusable.map { "\($0.server): \($0.error ?? "unusable")" }.joined(separator: "; ")
        guard familyMismatch else {
            return CommandFailure(.nameNotResolved, "no server name resolved: \(causes); check the names, or give IP addresses")
        }
        return CommandFailure(.noServerOfFamily, "no server of that family: \(causes); drop --family or name a server of that family")
    }

    static func resolve(_ specs: [ServerSpec], family: IPAddress.Family?, limit: Duration) async -> ClassifyServers {
        let results = await ServerSpec.resolveAll(specs, limit: limit)
        var choice = ClassifyServers()
        let chosenFamily = family ?? results.lazy.compactMap { try? $0.get().first?.family }.first
        var named = Set<ServerSpec>()
        for (spec, result) in zip(specs, results) where named.insert(spec).inserted {
            switch result {
            case .failure(let error):
                choice.unusable.append(ClassifierServerRecord(server: spec.description, error: error.description))
            case .success(let ips):
                guard let ip = ips.first(where: { $0.family == chosenFamily }) else {
                    let families = Set(ips.map(\.family.rawValue)).sorted().joined(separator: " and ")
                    choice.familyMismatch = true
                    choice.unusable.append(
                        ClassifierServerRecord(server: spec.description, error: "has only \(families) addresses, not \(chosenFamily?.rawValue ?? "any")"))
                    continue
                }
                let address = TransportAddress(ip: ip, port: spec.port)
                guard choice.names[address] == nil else { continue }
                choice.addresses.append(address)
                choice.names[address] = spec
            }
        }
        return choice
    }

    /// The report's server records with the names the user gave, then the unusable ones.
    func label(_ report: inout ClassifierReport) {
        func named(_ text: String) -> String {
            guard let address = TransportAddress(text), let spec = names[address], spec.description != address.description else { return text }
            return "\(spec) (\(address))"
        }
        report.server = named(report.server)
        for index in report.servers.indices { report.servers[index].server = named(report.servers[index].server) }
        report.servers += unusable
    }
}
