import FuzzSupport
import NATWire

/// libFuzzer harness for the STUN codec: decode, every typed accessor, integrity and FINGERPRINT
/// checks, and round trips. The first input byte selects how the rest is prepared (see
/// `STUNInput`), because random bytes almost never carry a consistent length field and the
/// magic cookie, and without them decoding stops at the header.
FuzzDriver.main { data in
    guard let input = STUNInput(data) else { return }
    STUNChecks.frame(input.bytes)
    let message: STUNMessage
    do throws(STUNDecodeError) {
        message = try STUNMessage(decoding: input.bytes)
    } catch {
        _ = error.description  // error text quotes input; building it must not trap either
        return
    }
    _ = message.description
    _ = message.reflexiveAddress
    _ = message.unknownComprehensionRequired(known: [.mappedAddress, .xorMappedAddress, .software])
    STUNAccessors.exerciseAll(message)
    STUNChecks.verify(message)
    STUNChecks.roundTrip(message)
}
