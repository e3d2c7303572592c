//! Reserved IP addresses: every entry of the IANA IPv4 and IPv6 Special-Purpose Address
//! Registries (as the CA/B Forum Baseline Requirements define "Reserved IP Address"), plus
//! multicast, which is never a host's address.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::policy::PolicyCode;
use crate::policy::Violation;

/// IANA IPv4 Special-Purpose Address Registry (iana-ipv4-special-registry), and 224.0.0.0/4.
const V4: &[([u8; 4], u8, &str)] = &[
    ([0, 0, 0, 0], 8, "\"This network\" (RFC 791)"),
    ([10, 0, 0, 0], 8, "Private-Use (RFC 1918)"),
    ([100, 64, 0, 0], 10, "Shared Address Space (RFC 6598)"),
    ([127, 0, 0, 0], 8, "Loopback (RFC 1122)"),
    ([169, 254, 0, 0], 16, "Link Local (RFC 3927)"),
    ([172, 16, 0, 0], 12, "Private-Use (RFC 1918)"),
    ([192, 0, 0, 0], 24, "IETF Protocol Assignments (RFC 6890)"),
    ([192, 0, 2, 0], 24, "Documentation, TEST-NET-1 (RFC 5737)"),
    ([192, 31, 196, 0], 24, "AS112-v4 (RFC 7535)"),
    ([192, 52, 193, 0], 24, "AMT (RFC 7450)"),
    (
        [192, 88, 99, 0],
        24,
        "Deprecated 6to4 Relay Anycast (RFC 7526)",
    ),
    ([192, 168, 0, 0], 16, "Private-Use (RFC 1918)"),
    (
        [192, 175, 48, 0],
        24,
        "Direct Delegation AS112 Service (RFC 7534)",
    ),
    ([198, 18, 0, 0], 15, "Benchmarking (RFC 2544)"),
    (
        [198, 51, 100, 0],
        24,
        "Documentation, TEST-NET-2 (RFC 5737)",
    ),
    ([203, 0, 113, 0], 24, "Documentation, TEST-NET-3 (RFC 5737)"),
    ([224, 0, 0, 0], 4, "Multicast (RFC 5771)"),
    ([240, 0, 0, 0], 4, "Reserved (RFC 1112)"),
    ([255, 255, 255, 255], 32, "Limited Broadcast (RFC 919)"),
];

/// IANA IPv6 Special-Purpose Address Registry (iana-ipv6-special-registry), and ff00::/8.
const V6: &[([u16; 8], u8, &str)] = &[
    ([0, 0, 0, 0, 0, 0, 0, 1], 128, "Loopback Address (RFC 4291)"),
    (
        [0, 0, 0, 0, 0, 0, 0, 0],
        128,
        "Unspecified Address (RFC 4291)",
    ),
    (
        [0, 0, 0, 0, 0, 0xffff, 0, 0],
        96,
        "IPv4-mapped Address (RFC 4291)",
    ),
    // Not in today's registry, but never a public host's address: the deprecated
    // IPv4-compatible block (which embeds any IPv4 address, private ones included), the
    // IPv4-translated block of SIIT, and deprecated site-local addresses.
    (
        [0, 0, 0, 0, 0, 0, 0, 0],
        96,
        "IPv4-compatible Address, deprecated (RFC 4291)",
    ),
    (
        [0, 0, 0, 0, 0xffff, 0, 0, 0],
        96,
        "IPv4-translated Address (RFC 2765)",
    ),
    (
        [0xfec0, 0, 0, 0, 0, 0, 0, 0],
        10,
        "Site-Local Unicast, deprecated (RFC 3879)",
    ),
    (
        [0x64, 0xff9b, 0, 0, 0, 0, 0, 0],
        96,
        "IPv4-IPv6 Translation (RFC 6052)",
    ),
    (
        [0x64, 0xff9b, 1, 0, 0, 0, 0, 0],
        48,
        "IPv4-IPv6 Translation (RFC 8215)",
    ),
    (
        [0x100, 0, 0, 0, 0, 0, 0, 0],
        64,
        "Discard-Only Address Block (RFC 6666)",
    ),
    (
        [0x100, 0, 0, 1, 0, 0, 0, 0],
        64,
        "Dummy IPv6 Prefix (RFC 9780)",
    ),
    (
        [0x2001, 0, 0, 0, 0, 0, 0, 0],
        23,
        "IETF Protocol Assignments (RFC 2928)",
    ),
    (
        [0x2001, 0xdb8, 0, 0, 0, 0, 0, 0],
        32,
        "Documentation (RFC 3849)",
    ),
    ([0x2002, 0, 0, 0, 0, 0, 0, 0], 16, "6to4 (RFC 3056)"),
    (
        [0x2620, 0x4f, 0x8000, 0, 0, 0, 0, 0],
        48,
        "Direct Delegation AS112 Service (RFC 7534)",
    ),
    (
        [0x3fff, 0, 0, 0, 0, 0, 0, 0],
        20,
        "Documentation (RFC 9637)",
    ),
    (
        [0x5f00, 0, 0, 0, 0, 0, 0, 0],
        16,
        "Segment Routing (SRv6) SIDs (RFC 9602)",
    ),
    ([0xfc00, 0, 0, 0, 0, 0, 0, 0], 7, "Unique-Local (RFC 4193)"),
    (
        [0xfe80, 0, 0, 0, 0, 0, 0, 0],
        10,
        "Link-Local Unicast (RFC 4291)",
    ),
    ([0xff00, 0, 0, 0, 0, 0, 0, 0], 8, "Multicast (RFC 4291)"),
];

/// The reserved block `ip` falls in, as `(block, name)`, e.g. `("10.0.0.0/8", "Private-Use (RFC 1918)")`.
pub fn reserved_range(ip: IpAddr) -> Option<(String, &'static str)> {
    match ip {
        IpAddr::V4(v4) => {
            let addr = u32::from(v4);
            V4.iter().find_map(|(net, len, name)| {
                let base = u32::from(Ipv4Addr::from(*net));
                let mask = u32::MAX.checked_shl(32 - u32::from(*len)).unwrap_or(0);
                (addr & mask == base).then(|| (format!("{}/{len}", Ipv4Addr::from(*net)), *name))
            })
        }
        IpAddr::V6(v6) => {
            let addr = u128::from(v6);
            V6.iter().find_map(|(net, len, name)| {
                let net = Ipv6Addr::from(*net);
                let mask = u128::MAX.checked_shl(128 - u32::from(*len)).unwrap_or(0);
                (addr & mask == u128::from(net)).then(|| (format!("{net}/{len}"), *name))
            })
        }
    }
}

/// Refuses an IP address in a reserved block (`ip.reserved`), naming the block.
pub fn check_ip(field: &str, ip: IpAddr) -> Option<Violation> {
    reserved_range(ip).map(|(block, name)| {
        Violation::error(
            field,
            PolicyCode::IpReserved,
            format!("{ip} is in {block}, {name}: a reserved address cannot be certified"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reserved(s: &str) -> bool {
        check_ip("sans[0]", s.parse().unwrap()).is_some()
    }

    #[test]
    fn ipv4_compatible_ipv4_translated_and_site_local_ipv6_are_reserved() {
        for ip in [
            "::10.0.0.1",
            "::8.8.8.8",
            "::ffff:0:10.0.0.1",
            "::ffff:0:8.8.8.8",
            "fec0::1",
            "feff::1",
        ] {
            assert!(reserved(ip), "{ip}");
        }
        assert_eq!(
            reserved_range("::10.0.0.1".parse().unwrap()).unwrap().0,
            "::/96"
        );
        // Global unicast right beside them stays certifiable.
        for ip in ["2400:cb00::1", "1::1", "::1:0:0:0:1"] {
            assert!(!reserved(ip), "{ip}");
        }
    }

    #[test]
    fn private_loopback_link_local_documentation_and_multicast_are_reserved() {
        for ip in [
            "0.1.2.3",
            "10.0.0.1",
            "100.64.0.1",
            "127.0.0.1",
            "169.254.169.254",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.2.10",
            "192.168.1.1",
            "198.19.0.1",
            "203.0.113.9",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "::ffff:8.8.8.8",
            "2001:db8::1",
            "fd00::1",
            "fe80::1",
            "ff02::1",
            "2002::1",
            "3fff::1",
        ] {
            assert!(reserved(ip), "{ip} should be reserved");
        }
    }

    #[test]
    fn public_addresses_pass() {
        for ip in [
            "8.8.8.8",
            "1.1.1.1",
            "172.32.0.1",
            "100.128.0.1",
            "2400:3200::1",
            "2606:4700::1111",
        ] {
            assert!(!reserved(ip), "{ip} should pass");
        }
    }

    #[test]
    fn the_message_names_the_block() {
        let v = check_ip("sans[3]", "10.1.2.3".parse().unwrap()).unwrap();
        assert_eq!(v.code.as_str(), "ip.reserved");
        assert_eq!(v.field, "sans[3]");
        assert!(
            v.message.contains("10.0.0.0/8") && v.message.contains("RFC 1918"),
            "{}",
            v.message
        );
    }
}
