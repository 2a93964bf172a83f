/// Where one site's addresses sit, from its position N (1 or 2) in the lab. Pure, so the plan
/// can be checked without root:
///
/// - the edge (the CGNAT when there is one, else the home router) is 203.0.113.(10+N) on the
///   lab internet, and 2001:db8::(10+N) with `--ipv6`;
/// - behind a CGNAT, the home router's WAN is 100.64.N.2/24 in RFC 6598 shared space, the
///   CGNAT's inside 100.64.N.1; with IPv6 that link is 2001:db8:N:64::/64;
/// - the LAN is 10.0.N.0/24 behind NAT, or 198.51.100.16N/28 for a public host (`none`);
///   with IPv6 it is 2001:db8:N::/64 (router ::1, host ::2), and the internet routes
///   2001:db8:N::/48 to the site.
public struct SiteAddresses: Equatable, Sendable {
    /// The public IPv4 address of the site's edge.
    public var wan: String
    /// The home router's WAN address (`wan` itself without a CGNAT).
    public var homeWAN: String
    /// The CGNAT's inside address and the shared-space link; nil without a CGNAT.
    public var cgnatInside: String?
    public var carrierLink: String?
    public var routerLAN: String
    public var host: String
    /// The LAN prefix, e.g. 10.0.1.0/24, and its length.
    public var lan: String
    public var lanPrefixLength: Int
    /// IPv6, in labs built with `--ipv6` (nil otherwise): the edge's, the home router's WAN,
    /// the CGNAT's inside, the router's LAN and the host's address, and the site's /48.
    public var wan6: String?
    public var homeWAN6: String?
    public var cgnatInside6: String?
    public var routerLAN6: String?
    public var host6: String?
    public var sitePrefix6: String?

    public init(number: Int, publicHost: Bool, cgnat: Bool, ipv6: Bool) {
        let edge = "203.0.113.\(10 + number)"
        wan = edge
        homeWAN = cgnat ? "100.64.\(number).2" : edge
        cgnatInside = cgnat ? "100.64.\(number).1" : nil
        carrierLink = cgnat ? "100.64.\(number).0/24" : nil
        let third = publicHost ? 16 * number : number  // 198.51.100.16N/28 or 10.0.N.0/24
        routerLAN = publicHost ? "198.51.100.\(third + 1)" : "10.0.\(third).1"
        host = publicHost ? "198.51.100.\(third + 2)" : "10.0.\(third).2"
        lan = publicHost ? "198.51.100.\(third)/28" : "10.0.\(third).0/24"
        lanPrefixLength = publicHost ? 28 : 24
        guard ipv6 else { return }
        let edge6 = "2001:db8::\(10 + number)"
        wan6 = edge6
        homeWAN6 = cgnat ? "2001:db8:\(number):64::2" : edge6
        cgnatInside6 = cgnat ? "2001:db8:\(number):64::1" : nil
        routerLAN6 = "2001:db8:\(number)::1"
        host6 = "2001:db8:\(number)::2"
        sitePrefix6 = "2001:db8:\(number)::/48"
    }
}
