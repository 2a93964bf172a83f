import ArgumentParser
import Foundation
import NATCore
import NATWire

/// How a TLS client trusts the server (`--ca`, `--insecure`), for every command that can speak
/// TLS to a server (`relay test`, `relay connect`, `probe`).
struct TLSTrustOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("With --transport tls: trust the CA certificates in this PEM file (default: the system's).", valueName: "file"))
    var ca: String?

    @Flag(name: .long, help: "With --transport tls: accept any certificate (labs with self-signed servers; reported as tls-insecure).")
    var insecure = false

    /// Checks the flags against whether TLS was asked for at all.
    func validate(usesTLS: Bool) throws {
        if (ca != nil || insecure) && !usesTLS { throw ValidationError("--ca and --insecure are for --transport tls") }
        if ca != nil && insecure { throw ValidationError("give --ca or --insecure, not both") }
        if let ca, !FileManager.default.isReadableFile(atPath: ca) { throw ValidationError("--ca '\(ca)' is not a readable file") }
    }

    /// The TLS options for a server named `host`: its certificate is checked against the name,
    /// or against its address when `host` is one.
    func options(host: String?) -> TLSClientOptions {
        TLSClientOptions(caFile: ca, insecure: insecure, serverName: host.flatMap { IPAddress($0) == nil ? $0 : nil })
    }
}
