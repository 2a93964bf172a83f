/// UPnP error codes a gateway returns in a fault: the device architecture's generic ones
/// (UDA 1.1 §3.2.4) and WANIPConnection's (IGD:2 WANIPConnection §2.5, "Error Codes").
public enum UPnPErrorCode {
    public static let invalidAction = 401
    public static let invalidArgs = 402
    public static let actionFailed = 501
    public static let actionNotAuthorized = 606
    public static let specifiedArrayIndexInvalid = 713
    public static let noSuchEntryInArray = 714
    public static let conflictInMappingEntry = 718
    public static let samePortValuesRequired = 724
    public static let onlyPermanentLeasesSupported = 725
    public static let noPortMapsAvailable = 728
    public static let conflictWithOtherMechanisms = 729

    static let names: [Int: String] = [
        401: "InvalidAction", 402: "InvalidArgs", 501: "ActionFailed", 600: "ArgumentValueInvalid", 601: "ArgumentValueOutOfRange",
        602: "OptionalActionNotImplemented", 603: "OutOfMemory", 604: "HumanInterventionRequired", 605: "StringArgumentTooLong",
        606: "ActionNotAuthorized", 713: "SpecifiedArrayIndexInvalid", 714: "NoSuchEntryInArray", 715: "WildCardNotPermittedInSrcIP",
        716: "WildCardNotPermittedInExtPort", 718: "ConflictInMappingEntry", 724: "SamePortValuesRequired",
        725: "OnlyPermanentLeasesSupported", 726: "RemoteHostOnlySupportsWildcard", 727: "ExternalPortOnlySupportsWildcard",
        728: "NoPortMapsAvailable", 729: "ConflictWithOtherMechanisms", 732: "WildCardNotPermittedInIntPort",
    ]

    /// The spec's name for `code`, e.g. "ConflictInMappingEntry" for 718.
    public static func name(of code: Int) -> String? { names[code] }
}
