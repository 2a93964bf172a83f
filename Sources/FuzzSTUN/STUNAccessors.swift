import FuzzSupport
import NATWire

/// Every typed attribute natctl decodes, through the message's accessors, and the round trip of
/// each value that decodes.
enum STUNAccessors {
    /// Every `STUNAttributeValue` in NATWire: RFC 8489/5389, RFC 3489 and RFC 5780 addresses,
    /// TURN (RFC 8656), ICE (RFC 8445), and natctl's own dial-back and punch attributes
    /// (docs/protocol.md). A new attribute type belongs here too.
    static let all: [any STUNAttributeValue.Type] = [
        MappedAddress.self, XORMappedAddress.self, AlternateServer.self, SourceAddress.self, ChangedAddress.self,
        ResponseOrigin.self, OtherAddress.self, ChangeRequest.self, ResponsePort.self, Padding.self,
        Username.self, Realm.self, Nonce.self, Software.self, ErrorCode.self, UnknownAttributes.self,
        MessageIntegrity.self, MessageIntegritySHA256.self, Fingerprint.self,
        PasswordAlgorithms.self, PasswordAlgorithmChoice.self,
        ChannelNumber.self, Lifetime.self, XORPeerAddress.self, XORRelayedAddress.self, DataValue.self,
        EvenPort.self, ReservationToken.self, RequestedTransport.self, RequestedAddressFamily.self,
        Priority.self, UseCandidate.self, ICEControlling.self, ICEControlled.self,
        DialBackTarget.self, DialBackNonce.self, DialBackStatus.self,
        PunchNameplate.self, PunchSessionID.self, PunchConfirm.self, PunchCandidate.self, PunchMapping.self,
        PunchSchedule.self, PunchRelayCredential.self, PunchSequence.self, PunchServerRTT.self,
    ]

    static func exerciseAll(_ message: STUNMessage) {
        for type in all { exercise(type, message) }
    }

    /// The first-value accessor and the all-values accessor; each value that decodes must
    /// encode to bytes that decode again and encode to the same bytes (encoding may normalise,
    /// e.g. drop reserved bits, but only once).
    private static func exercise<T: STUNAttributeValue>(_: T.Type, _ message: STUNMessage) {
        do throws(STUNDecodeError) {
            _ = try message.attribute(T.self)
        } catch {
            _ = error.description
        }
        guard let values = try? message.attributes(T.self) else { return }
        for value in values {
            let encoded = value.stunValue(transactionID: message.transactionID)
            let again: T
            do throws(STUNDecodeError) {
                again = try T(stunValue: encoded[...], transactionID: message.transactionID)
            } catch {
                fuzzRequire(false, "\(T.self) encodes \(encoded) that it cannot decode: \(error)")
                return
            }
            let reencoded = again.stunValue(transactionID: message.transactionID)
            fuzzRequire(reencoded == encoded, "\(T.self) round trip changed \(encoded) to \(reencoded)")
        }
    }
}
