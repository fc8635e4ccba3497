//! IP allowlist entries: parsing, validation and comparison by meaning.
//!
//! Users write `198.51.100.7`, `198.51.100.7/32`, `2001:DB8::/32` or `2001:db8:0::/32`; OneSignal
//! may answer with another spelling. Two entries are the same when they parse to the same network,
//! so a respelling never causes a diff. A CIDR with host bits set (`10.0.0.5/24`) is refused rather
//! than silently widened, because the user probably meant either `10.0.0.5/32` or `10.0.0.0/24`.

use std::fmt;
use std::net::IpAddr;

use ipnet::IpNet;

/// Why an allowlist entry is not usable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryError {
    /// Leading, trailing or inner whitespace.
    Whitespace,
    /// Neither an address nor a CIDR (a hostname, a typo, a zone index…).
    NotAnAddress,
    /// A prefix length beyond 32 (IPv4) or 128 (IPv6), or not a number.
    BadPrefix {
        /// 32 or 128.
        max: u8,
    },
    /// Bits set below the prefix; `network` is the entry with them cleared.
    HostBitsSet {
        /// The network the user probably meant, e.g. `10.0.0.0/24`.
        network: String,
    },
}

impl fmt::Display for EntryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Whitespace => f.write_str("it contains whitespace; remove the spaces"),
            Self::NotAnAddress => f.write_str(
                "it is neither an IP address nor a CIDR block; write an address such as \
                 \"192.0.2.7\" or \"2001:db8::7\", or a CIDR block such as \"192.0.2.0/24\" \
                 (hostnames are not allowed)",
            ),
            Self::BadPrefix { max } => write!(
                f,
                "its prefix length must be a whole number from 0 to {max}"
            ),
            Self::HostBitsSet { network } => write!(
                f,
                "it has bits set after the prefix length; write the network as \"{network}\", \
                 or a single address with /32 (IPv4) or /128 (IPv6)"
            ),
        }
    }
}

/// Parses one entry: a bare address is a single-host network (/32 or /128).
pub fn parse_entry(entry: &str) -> Result<IpNet, EntryError> {
    if entry.chars().any(char::is_whitespace) {
        return Err(EntryError::Whitespace);
    }
    let Some((address, prefix)) = entry.split_once('/') else {
        let address: IpAddr = entry.parse().map_err(|_| EntryError::NotAnAddress)?;
        return Ok(IpNet::from(address));
    };
    let address: IpAddr = address.parse().map_err(|_| EntryError::NotAnAddress)?;
    let max = if address.is_ipv4() { 32 } else { 128 };
    let prefix: u8 = prefix
        .parse()
        .ok()
        .filter(|p| *p <= max && !prefix.starts_with('+'))
        .ok_or(EntryError::BadPrefix { max })?;
    let network = IpNet::new(address, prefix).map_err(|_| EntryError::BadPrefix { max })?;
    if network.network() != address {
        return Err(EntryError::HostBitsSet {
            network: network.trunc().to_string(),
        });
    }
    Ok(network)
}

/// The entry as it goes on the wire: canonical CIDR notation, as OneSignal's docs ask
/// (`198.51.100.7` → `198.51.100.7/32`, `2001:DB8::1` → `2001:db8::1/128`). An entry that does
/// not parse (validation refuses those before any apply) is sent as written.
pub fn canonical(entry: &str) -> String {
    parse_entry(entry).map_or_else(|_| entry.to_owned(), |net| net.to_string())
}

/// Whether two entries mean the same network (false when either does not parse).
pub fn same_network(a: &str, b: &str) -> bool {
    a == b || matches!((parse_entry(a), parse_entry(b)), (Ok(x), Ok(y)) if x == y)
}

/// Whether two lists hold the same networks, whatever their spelling and order.
pub fn same_networks(a: &[String], b: &[String]) -> bool {
    let canonical = |list: &[String]| -> Option<Vec<IpNet>> {
        let mut nets = list
            .iter()
            .map(|e| parse_entry(e).ok())
            .collect::<Option<Vec<_>>>()?;
        nets.sort();
        nets.dedup();
        Some(nets)
    };
    match (canonical(a), canonical(b)) {
        (Some(x), Some(y)) => x == y,
        _ => {
            let (mut a, mut b) = (a.to_vec(), b.to_vec());
            a.sort();
            b.sort();
            a == b
        }
    }
}

/// Pairs of entries (by index) that mean the same network: each later entry with the first one.
pub fn duplicates(entries: &[&str]) -> Vec<(usize, usize)> {
    let parsed: Vec<Option<IpNet>> = entries.iter().map(|e| parse_entry(e).ok()).collect();
    let mut pairs = Vec::new();
    for (later, net) in parsed.iter().enumerate() {
        let Some(net) = net else { continue };
        if let Some(first) = parsed[..later].iter().position(|p| p.as_ref() == Some(net)) {
            pairs.push((first, later));
        }
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsing_table() {
        let ok = [
            ("192.0.2.7", "192.0.2.7/32"),
            ("192.0.2.7/32", "192.0.2.7/32"),
            ("192.0.2.0/24", "192.0.2.0/24"),
            ("0.0.0.0/0", "0.0.0.0/0"),
            ("2001:db8::7", "2001:db8::7/128"),
            ("2001:DB8::/32", "2001:db8::/32"),
            ("2001:db8:0:0::/64", "2001:db8::/64"),
            ("::/0", "::/0"),
            ("::ffff:192.0.2.1", "::ffff:192.0.2.1/128"),
        ];
        for (input, want) in ok {
            assert_eq!(
                parse_entry(input).map(|n| n.to_string()),
                Ok(want.to_owned()),
                "{input}"
            );
        }
        let bad = [
            ("", EntryError::NotAnAddress),
            ("example.com", EntryError::NotAnAddress),
            ("10.0.0", EntryError::NotAnAddress),
            ("10.0.0.256", EntryError::NotAnAddress),
            ("010.0.0.1", EntryError::NotAnAddress),
            ("fe80::1%eth0", EntryError::NotAnAddress),
            ("10.0.0.1/", EntryError::BadPrefix { max: 32 }),
            ("10.0.0.0/33", EntryError::BadPrefix { max: 32 }),
            ("10.0.0.0/-1", EntryError::BadPrefix { max: 32 }),
            ("10.0.0.0/+8", EntryError::BadPrefix { max: 32 }),
            ("2001:db8::/129", EntryError::BadPrefix { max: 128 }),
            (" 10.0.0.1", EntryError::Whitespace),
            ("10.0.0.0 /24", EntryError::Whitespace),
            (
                "10.0.0.5/24",
                EntryError::HostBitsSet {
                    network: "10.0.0.0/24".into(),
                },
            ),
            (
                "2001:db8::1/32",
                EntryError::HostBitsSet {
                    network: "2001:db8::/32".into(),
                },
            ),
        ];
        for (input, want) in bad {
            assert_eq!(parse_entry(input), Err(want), "{input:?}");
        }
    }

    #[test]
    fn entries_go_on_the_wire_in_canonical_cidr_notation() {
        for (entry, wire) in [
            ("198.51.100.7", "198.51.100.7/32"),
            ("198.51.100.7/32", "198.51.100.7/32"),
            ("192.0.2.0/24", "192.0.2.0/24"),
            ("2001:DB8::1", "2001:db8::1/128"),
            ("2001:db8:0:0::/64", "2001:db8::/64"),
            ("::ffff:192.0.2.1", "::ffff:192.0.2.1/128"),
            ("not an entry", "not an entry"),
        ] {
            assert_eq!(canonical(entry), wire, "{entry}");
        }
    }

    #[test]
    fn host_bits_message_suggests_the_network() {
        let err = parse_entry("10.0.0.5/24").unwrap_err();
        assert!(err.to_string().contains("\"10.0.0.0/24\""), "{err}");
    }

    #[test]
    fn comparison_by_meaning() {
        assert!(same_network("198.51.100.7", "198.51.100.7/32"));
        assert!(same_network("2001:DB8::/32", "2001:db8::/32"));
        assert!(same_network("2001:db8:0::1", "2001:db8::1/128"));
        assert!(!same_network("10.0.0.0/24", "10.0.0.0/25"));
        assert!(!same_network("10.0.0.1", "::ffff:10.0.0.1"));
        assert!(!same_network("bogus", "10.0.0.1"));

        let list = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(same_networks(
            &list(&["10.0.0.1", "2001:DB8::/32"]),
            &list(&["2001:db8::/32", "10.0.0.1/32"])
        ));
        assert!(!same_networks(
            &list(&["10.0.0.1"]),
            &list(&["10.0.0.1", "10.0.0.2"])
        ));
        assert!(same_networks(&list(&[]), &list(&[])));
    }

    #[test]
    fn duplicates_are_found_by_meaning() {
        assert_eq!(
            duplicates(&["10.0.0.1", "10.0.0.2", "10.0.0.1/32"]),
            vec![(0, 2)]
        );
        assert_eq!(
            duplicates(&["2001:db8::/32", "2001:DB8:0::/32", "bad"]),
            vec![(0, 1)]
        );
        assert!(duplicates(&["10.0.0.0/24", "10.0.0.0/25"]).is_empty());
    }
}
