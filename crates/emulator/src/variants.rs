//! Run-time variants: the ways the real API may differ where OneSignal's docs leave room
//! (`docs/onesignal-api.md`, "Unknown"). The default is the documented behaviour; each field
//! switches one point to a plausible alternative so tests can prove a client against all of them.
//!
//! The variants are applied at the HTTP layer (`routes`), never to the stored data: switching one
//! on and off again leaves the organization exactly as it was.

use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::Route;

/// How the emulator departs from the documented behaviour (all off by default).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Variants {
    /// How an unknown app or token_id is answered: 404 (default) or 400 GenericError
    /// `{"success":false,"errors":["app_id not found"],"reference":[...]}` style bodies.
    pub unknown_as_400: bool,
    /// List items (GET …/auth/tokens) carry no `ip_allowlist_mode`.
    pub omit_allowlist_mode: bool,
    /// PATCH and DELETE answer 200 with an empty body and no content type.
    pub empty_write_bodies: bool,
    /// Lists spell CIDRs differently from how they were sent (IPv4 /32 as a bare address,
    /// IPv6 upper-case and /128 as a bare address) — spelling only, same networks.
    pub respell_cidrs: bool,
    /// Every API request (not /_emulator/) is answered 400 GenericError without acting.
    pub reject_everything_400: bool,
    /// These routes answer 500 (without acting) until cleared: "one route down".
    pub routes_down: Vec<Route>,
}

/// Where GenericError bodies point (OneSignal's own bodies carry documentation links there).
const REFERENCE: &str = "https://documentation.onesignal.com/reference/rest-api-overview";

/// The body of OneSignal's GenericError shape: `{"success": false, "errors": [...], "reference": [...]}`.
pub(crate) fn generic_error(message: &str) -> Value {
    json!({ "success": false, "errors": [message], "reference": [REFERENCE] })
}

/// One list item as this variant set shows it (the stored key is not changed).
pub(crate) fn list_item(mut item: Value, variants: &Variants) -> Value {
    let Some(fields) = item.as_object_mut() else {
        return item;
    };
    if variants.omit_allowlist_mode {
        fields.remove("ip_allowlist_mode");
    }
    if variants.respell_cidrs
        && let Some(Value::Array(entries)) = fields.get_mut("ip_allowlist")
    {
        for entry in entries.iter_mut() {
            if let Some(text) = entry.as_str() {
                *entry = Value::String(respell(text));
            }
        }
    }
    item
}

/// Another spelling of the same network: IPv4 /32 and IPv6 /128 as bare addresses, IPv6 in
/// upper case. Anything else (or anything unparsable) is returned as stored.
pub(crate) fn respell(entry: &str) -> String {
    match entry.parse::<IpNet>() {
        Ok(IpNet::V4(net)) if net.prefix_len() == 32 => net.addr().to_string(),
        Ok(IpNet::V6(net)) if net.prefix_len() == 128 => net.addr().to_string().to_uppercase(),
        Ok(IpNet::V6(net)) => net.to_string().to_uppercase(),
        _ => entry.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn respelling_keeps_the_network() {
        for (stored, respelled) in [
            ("192.0.2.7/32", "192.0.2.7"),
            ("192.0.2.0/24", "192.0.2.0/24"),
            ("2001:db8::/32", "2001:DB8::/32"),
            ("2001:db8::ab/128", "2001:DB8::AB"),
            ("::1/128", "::1"),
            ("not an address", "not an address"),
        ] {
            assert_eq!(respell(stored), respelled, "{stored}");
            if let (Ok(a), Ok(b)) = (stored.parse::<IpNet>(), respelled.parse::<IpNet>()) {
                assert_eq!(a, b);
            }
        }
    }

    #[test]
    fn list_items_follow_the_variants() {
        let item = json!({"token_id": "t", "ip_allowlist_mode": "explicit", "ip_allowlist": ["10.0.0.1/32"]});
        assert_eq!(list_item(item.clone(), &Variants::default()), item);
        let changed = list_item(
            item,
            &Variants {
                omit_allowlist_mode: true,
                respell_cidrs: true,
                ..Variants::default()
            },
        );
        assert_eq!(
            changed,
            json!({"token_id": "t", "ip_allowlist": ["10.0.0.1"]})
        );
    }

    #[test]
    fn variants_json_is_partial_friendly() {
        let v: Variants =
            serde_json::from_str(r#"{"unknown_as_400":true,"routes_down":["list_keys"]}"#).unwrap();
        assert!(v.unknown_as_400 && !v.respell_cidrs);
        assert_eq!(v.routes_down, vec![Route::ListKeys]);
        let round: Variants = serde_json::from_value(serde_json::to_value(&v).unwrap()).unwrap();
        assert_eq!(round, v);
        assert_eq!(
            serde_json::from_str::<Variants>("{}").unwrap(),
            Variants::default()
        );
    }
}
