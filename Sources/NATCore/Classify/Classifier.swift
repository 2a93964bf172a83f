import NATWire
import NIOCore
import NIOPosix

/// Runs the classifier (and, on request, the lifetime probe) on real UDP sockets.
public enum Classifier {
    /// Classifies the NAT between this host and `configuration.server`.
    public static func run(
        _ configuration: ClassifierConfiguration, progress: (@Sendable (String) -> Void)? = nil,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws(ClassifierError) -> ClassifierReport {
        let (report, errors) = try await DatagramMachineRunner.run(
            socketCount: configuration.socketCount, family: configuration.family, progress: progress, group: group
        ) { ClassifierMachine(configuration: configuration, localPorts: $0) }
        var result = report
        if result.udp != true, let first = errors.first {
            // Nothing could be sent: that says nothing about the path, so no "udp-blocked" verdict.
            result.error = ReportError(code: "failed", message: first)
            result.udp = nil
            result.rfc3489 = nil
            result.holePunching = .undecided("nothing could be sent: \(first)")
        }
        return result
    }

    /// Measures the binding lifetime (RFC 5780 §4.6) within `configuration.budget`.
    public static func lifetime(
        _ configuration: LifetimeMachine.Configuration, progress: (@Sendable (String) -> Void)? = nil,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws(ClassifierError) -> Finding<Double> {
        try await DatagramMachineRunner.run(
            socketCount: configuration.socketCount, family: configuration.server.ip.family, progress: progress, group: group
        ) { _ in LifetimeMachine(configuration: configuration) }.output
    }
}
