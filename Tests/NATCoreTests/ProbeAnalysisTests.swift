import NATCore
import NATWire
import Testing

/// The probe's conclusions as tables: observations in, verdicts out.
@Suite struct ProbeAnalysisTests {
    static let local = TransportAddress("10.0.0.2:5000")!

    static func seen(_ destination: String, _ mapped: String, local: TransportAddress = local) -> MappingObservation {
        MappingObservation(local: local, destination: TransportAddress(destination)!, mapped: TransportAddress(mapped)!)
    }

    @Test func endpointIndependentMappingVariesByNothing() {
        let observations = [
            Self.seen("192.0.2.1:3478", "203.0.113.5:5000"), Self.seen("192.0.2.2:3478", "203.0.113.5:5000"),
            Self.seen("192.0.2.1:3479", "203.0.113.5:5000"),
        ]
        #expect(ProbeAnalysis.mappingVariesByDestinationIP(observations) == false)
        #expect(ProbeAnalysis.mappingVariesByDestinationPort(observations) == false)
        #expect(ProbeAnalysis.portPreserved(observations) == true)
        #expect(ProbeAnalysis.noNAT(observations, localAddresses: [Self.local.ip]) == false)
        #expect(ProbeAnalysis.publicAddress(observations, family: .ipv4)?.description == "203.0.113.5")
    }

    @Test func symmetricMappingVariesByIPAndPort() {
        let observations = [
            Self.seen("192.0.2.1:3478", "203.0.113.5:6001"), Self.seen("192.0.2.2:3478", "203.0.113.5:6002"),
            Self.seen("192.0.2.1:3479", "203.0.113.5:6003"),
        ]
        #expect(ProbeAnalysis.mappingVariesByDestinationIP(observations) == true)
        #expect(ProbeAnalysis.mappingVariesByDestinationPort(observations) == true)
        #expect(ProbeAnalysis.portPreserved(observations) == false)
    }

    @Test func addressDependentMappingVariesByIPOnly() {
        let observations = [
            Self.seen("192.0.2.1:3478", "203.0.113.5:6001"), Self.seen("192.0.2.1:3479", "203.0.113.5:6001"),
            Self.seen("192.0.2.2:3478", "203.0.113.5:6002"),
        ]
        #expect(ProbeAnalysis.mappingVariesByDestinationIP(observations) == true)
        #expect(ProbeAnalysis.mappingVariesByDestinationPort(observations) == false)
    }

    @Test func nothingComparableIsNotChecked() {
        let one = [Self.seen("192.0.2.1:3478", "203.0.113.5:6001")]
        #expect(ProbeAnalysis.mappingVariesByDestinationIP(one) == nil)
        #expect(ProbeAnalysis.mappingVariesByDestinationPort(one) == nil)
        #expect(ProbeAnalysis.portPreserved([]) == nil)
        #expect(ProbeAnalysis.noNAT([], localAddresses: []) == nil)
        // Different local sockets are never compared with each other.
        let twoSockets = [
            Self.seen("192.0.2.1:3478", "203.0.113.5:6001"),
            Self.seen("192.0.2.2:3478", "203.0.113.5:6002", local: TransportAddress("10.0.0.2:5001")!),
        ]
        #expect(ProbeAnalysis.mappingVariesByDestinationIP(twoSockets) == nil)
    }

    @Test func ownAddressWithOwnPortMeansNoNAT() {
        let observations = [Self.seen("192.0.2.1:3478", "10.0.0.2:5000")]
        #expect(ProbeAnalysis.noNAT(observations, localAddresses: [IPAddress("10.0.0.2")!]) == true)
        let rewritten = [Self.seen("192.0.2.1:3478", "10.0.0.2:5009")]
        #expect(ProbeAnalysis.noNAT(rewritten, localAddresses: [IPAddress("10.0.0.2")!]) == false)
    }

    @Test func requirementsKeepNotCheckedApartFromNo() {
        var report = ProbeReport()
        #expect(ProbeRequirement.udp.isMet(by: report) == nil, "nothing sent: not checked")
        report.udp = false
        #expect(ProbeRequirement.udp.isMet(by: report) == false, "sent and nothing came back: a checked no")
        report.udp = true
        report.ipv4 = true
        #expect(ProbeRequirement.udp.isMet(by: report) == true)
        #expect(ProbeRequirement.ipv4.isMet(by: report) == true)
        #expect(ProbeRequirement.ipv6.isMet(by: report) == nil, "no IPv6 server tried")
        #expect(ProbeRequirement.stableMapping.isMet(by: report) == nil, "nothing compared")
        report.mappingVariesByDestIp = false
        #expect(ProbeRequirement.stableMapping.isMet(by: report) == true)
        report.mappingVariesByDestPort = true
        #expect(ProbeRequirement.stableMapping.isMet(by: report) == false)
    }
}
