import Foundation

/// The parts of SASLprep (RFC 4013) that change real passwords: characters "commonly mapped to
/// nothing" (RFC 3454 table B.1) are removed, non-ASCII spaces (table C.1.2) become U+0020, and
/// the result is NFKC-normalised. RFC 8489 §9.2.2 applies it to realm and password.
/// Prohibited-output and bidi checks are left out: a key made from such input simply will not
/// match, which is the same outcome a rejecting server gives.
enum SASLprep {
    private static let mappedToNothing: Set<UInt32> = [
        0x00AD, 0x034F, 0x1806, 0x180B, 0x180C, 0x180D, 0x200B, 0x200C, 0x200D, 0x2060,
        0xFE00, 0xFE01, 0xFE02, 0xFE03, 0xFE04, 0xFE05, 0xFE06, 0xFE07,
        0xFE08, 0xFE09, 0xFE0A, 0xFE0B, 0xFE0C, 0xFE0D, 0xFE0E, 0xFE0F, 0xFEFF,
    ]
    private static let nonASCIISpaces: Set<UInt32> = [
        0x00A0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007,
        0x2008, 0x2009, 0x200A, 0x202F, 0x205F, 0x3000,
    ]

    static func prepare(_ text: String) -> String {
        if text.utf8.allSatisfy({ $0 < 0x80 }) { return text }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars where !mappedToNothing.contains(scalar.value) {
            scalars.append(nonASCIISpaces.contains(scalar.value) ? " " : scalar)
        }
        return String(scalars).precomposedStringWithCompatibilityMapping
    }
}
