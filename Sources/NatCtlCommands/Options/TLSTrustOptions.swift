import ArgumentParser
import Foundation
import NATCore
import NATWire

/// How a TLS client trusts the server (`--ca`, `--insecure`), for every command that can speak
/// TLS to a server (`relay test`, `relay connect`, `probe`, and punch's fallback).
struct TLSTrustOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("For TLS to the server: trust the CA certificates in this PEM file (default: the system's).", valueName: "file"))
    var ca: String?

    @Flag(name: .long, help: "For TLS to the server: accept any certificate (labs with self-signed servers; reported as tls-insecure).")
    var insecure = false

    /// Checks the flags against whether TLS can be used at all (`tlsNeeds` says what it takes).
    func validate(usesTLS: Bool, tlsNeeds: String = "--transport tls") throws {
        if (ca != nil || insecure) && !usesTLS { throw ValidationError("--ca and --insecure are for \(tlsNeeds)") }
        if ca != nil && insecure { throw ValidationError("give --ca or --insecure, not both") }
        if let ca, !FileManager.default.isReadableFile(atPath: ca) { throw ValidationError("--ca '\(ca)' is not a readable file") }
    }

    /// The TLS options for a server named `host`: its certificate is checked against the name,
    /// or against its address when `host` is one.
    func options(host: String?) -> TLSClientOptions {
        TLSClientOptions(caFile: ca, insecure: insecure, serverName: host.flatMap { IPAddress($0) == nil ? $0 : nil })
    }
}
