//! The emulator's data: apps and their keys, the rules OneSignal documents for them, and the state
//! file.
//!
//! Everything here is plain data and pure functions; locking and HTTP live in the parent module
//! and in `routes`. Validation messages are the emulator's own wording (OneSignal's is undocumented)
//! and are returned as lists so a response can carry them as `{"errors": [...]}`.

use std::io::Write;
use std::net::IpAddr;
use std::path::Path;

use ipnet::IpNet;
use rand::RngExt;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// OneSignal's per-app cap on App API keys.
pub const MAX_KEYS_PER_APP: usize = 16;
/// The longest key name OneSignal accepts, in characters.
pub const MAX_NAME_CHARS: usize = 128;
/// The message of the 400 for a 17th key. The client recognises it as "key limit reached".
pub const KEY_LIMIT_MESSAGE: &str = "App API key limit reached: an app can have at most 16 API keys. Delete a key before creating another.";

/// Everything that survives a restart: the organization key, the apps and their keys (secrets
/// included, so that keys keep working). This is the `--state` file's format.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Persisted {
    /// The one organization API key that the emulator accepts.
    pub organization_api_key: String,
    /// The organization's id (a UUID); state files written before it existed get a new one.
    #[serde(default = "super::apps::generate_organization_id")]
    pub organization_id: String,
    /// Apps in creation order.
    pub apps: Vec<AppRecord>,
}

/// An app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppRecord {
    /// The app id (a UUID).
    pub id: String,
    /// Display name.
    pub name: String,
    /// RFC 3339 creation time.
    pub created_at: String,
    /// RFC 3339 time of the last change.
    pub updated_at: String,
    /// Keys in creation order (the list endpoint's order).
    #[serde(default)]
    pub keys: Vec<KeyRecord>,
    /// Every setting and credential other than `name` and `organization_id`, as last sent.
    #[serde(default)]
    pub settings: Map<String, Value>,
    /// The organization it was moved to by a `PUT` naming another; `None`: the emulator's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moved_to: Option<String>,
    /// The legacy REST API key that OneSignal's view answer carries.
    #[serde(default = "super::apps::generate_basic_auth_key")]
    pub basic_auth_key: String,
}

/// An App API key, with its current secret (the emulator is a test tool: it must know the secret to
/// check it; its `Debug` therefore shows it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRecord {
    /// The key id.
    pub token_id: String,
    /// Display name.
    pub name: String,
    /// `"disabled"` or `"explicit"`.
    pub ip_allowlist_mode: String,
    /// CIDRs as the client sent them (a bare address is refused, so every entry has a prefix).
    pub ip_allowlist: Vec<String>,
    /// The live secret, `os_v2_app_…`.
    pub secret: String,
    /// RFC 3339 creation time.
    pub created_at: String,
    /// RFC 3339 time of the last change (patch or rotation).
    pub updated_at: String,
}

impl KeyRecord {
    /// The key as the list endpoint shows it: no secret.
    pub fn public_view(&self) -> Value {
        serde_json::json!({
            "token_id": self.token_id,
            "name": self.name,
            "ip_allowlist_mode": self.ip_allowlist_mode,
            "ip_allowlist": self.ip_allowlist,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            // Undocumented fields like real APIs add: clients must ignore what they do not know.
            "token_type": "app",
            "last_used_at": null,
        })
    }

    /// Whether a request from `peer` may use this key.
    pub fn allows(&self, peer: IpAddr) -> bool {
        let peer = peer.to_canonical();
        self.ip_allowlist_mode != "explicit"
            || self
                .ip_allowlist
                .iter()
                .filter_map(|entry| entry.parse::<IpNet>().ok())
                .any(|net| net.contains(&peer))
    }
}

impl AppRecord {
    /// A new app with a fresh UUID (or the given id).
    pub fn new(id: Option<String>, name: String) -> AppRecord {
        let now = now();
        AppRecord {
            id: id.unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
            name,
            created_at: now.clone(),
            updated_at: now,
            keys: Vec::new(),
            settings: Map::new(),
            moved_to: None,
            basic_auth_key: super::apps::generate_basic_auth_key(),
        }
    }

    /// The app as `GET /apps` and `GET /apps/{id}` show it (never with keys).
    pub fn public_view(&self) -> Value {
        serde_json::json!({
            "id": self.id,
            "name": self.name,
            "players": 0,
            "messageable_players": 0,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        })
    }
}

/// The current time as RFC 3339 in UTC.
pub fn now() -> String {
    OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .expect("UTC times always format")
}

/// `prefix` + 103 characters of lower-case RFC 4648 base32 from a CSPRNG (`rand`'s thread RNG is
/// a cryptographically secure, OS-seeded generator): the documented 113-character key format.
pub fn generate_secret(prefix: &str) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut rng = rand::rng();
    let mut out = String::with_capacity(prefix.len() + 103);
    out.push_str(prefix);
    out.extend((0..103).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char));
    out
}

/// The fields a create or a patch may carry, validated; `None` means "not given".
#[derive(Debug, Default)]
pub struct KeyFields {
    /// `name`.
    pub name: Option<String>,
    /// `ip_allowlist_mode`.
    pub mode: Option<String>,
    /// `ip_allowlist`, as sent.
    pub allowlist: Option<Vec<String>>,
}

/// Parses and validates a create or patch body. Unknown fields are ignored; JSON `null` counts as
/// "not given". Every problem found is reported, not just the first.
pub fn parse_key_fields(body: &[u8], name_required: bool) -> Result<KeyFields, Vec<String>> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| vec![format!("The request body is not valid JSON: {e}")])?;
    let Value::Object(map) = value else {
        return Err(vec!["The request body must be a JSON object.".into()]);
    };
    key_fields_from_map(&map, name_required)
}

fn key_fields_from_map(
    map: &Map<String, Value>,
    name_required: bool,
) -> Result<KeyFields, Vec<String>> {
    let mut errors = Vec::new();
    let mut fields = KeyFields::default();
    match map.get("name") {
        None | Some(Value::Null) if name_required => errors.push("name is required.".to_owned()),
        None | Some(Value::Null) => {}
        Some(Value::String(name)) => {
            let chars = name.chars().count();
            if chars == 0 || chars > MAX_NAME_CHARS {
                errors.push(format!(
                    "name must be between 1 and {MAX_NAME_CHARS} characters long (it has {chars})."
                ));
            } else {
                fields.name = Some(name.clone());
            }
        }
        Some(_) => errors.push("name must be a string.".into()),
    }
    match map.get("ip_allowlist_mode") {
        None | Some(Value::Null) => {}
        Some(Value::String(mode)) if mode == "disabled" || mode == "explicit" => {
            fields.mode = Some(mode.clone())
        }
        Some(other) => errors.push(format!(
            "ip_allowlist_mode must be \"disabled\" or \"explicit\", not {other}."
        )),
    }
    match map.get("ip_allowlist") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            let mut list = Vec::with_capacity(items.len());
            for item in items {
                match item.as_str().map(check_cidr) {
                    Some(Ok(cidr)) => list.push(cidr),
                    Some(Err(message)) => errors.push(message),
                    None => {
                        errors.push(format!("ip_allowlist entries must be strings, not {item}."))
                    }
                }
            }
            fields.allowlist = Some(list);
        }
        Some(_) => errors.push("ip_allowlist must be an array of CIDR strings.".into()),
    }
    if errors.is_empty() {
        Ok(fields)
    } else {
        Err(errors)
    }
}

/// Validates one allowlist entry and returns it as sent. OneSignal's docs ask for CIDR notation, so
/// a bare address is refused (naming the entry and the CIDR meant); so is a CIDR with host bits
/// set. Valid entries keep the caller's spelling (upper-case IPv6 included): what the emulator
/// stores and lists is what the client sent.
pub fn check_cidr(entry: &str) -> Result<String, String> {
    let net = match entry.parse::<IpNet>() {
        Ok(net) => net,
        Err(_) => {
            return Err(match entry.parse::<IpAddr>() {
                Ok(addr) => format!(
                    "ip_allowlist entry {entry:?} is not in CIDR notation; did you mean \"{}\"?",
                    IpNet::from(addr)
                ),
                Err(_) => format!("ip_allowlist entry {entry:?} is not a valid CIDR."),
            });
        }
    };
    if net.trunc() != net {
        return Err(format!(
            "ip_allowlist entry {entry:?} has host bits set; did you mean \"{}\"?",
            net.trunc()
        ));
    }
    Ok(entry.to_owned())
}

/// Checks the combination rule: `explicit` needs a non-empty list.
pub fn check_combination(mode: &str, allowlist: &[String]) -> Result<(), Vec<String>> {
    if mode == "explicit" && allowlist.is_empty() {
        Err(vec![
            "ip_allowlist must contain at least one entry when ip_allowlist_mode is \"explicit\"."
                .into(),
        ])
    } else {
        Ok(())
    }
}

/// Reads a state file; `Ok(None)` when it does not exist.
pub fn load(path: &Path) -> std::io::Result<Option<Persisted>> {
    let text = match std::fs::read(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    serde_json::from_slice(&text).map(Some).map_err(|e| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("{} is not an emulator state file: {e}", path.display()),
        )
    })
}

/// Writes a state file atomically: a temporary file in the same directory (mode 0600, since it
/// holds secrets), flushed to disk, then renamed over the old one, so a kill at any moment leaves
/// either the old or the new state.
pub fn save(path: &Path, state: &Persisted) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    serde_json::to_writer_pretty(&mut file, state)?;
    file.write_all(b"\n")?;
    file.as_file().sync_all()?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_have_the_documented_shape() {
        let a = generate_secret("os_v2_app_");
        let b = generate_secret("os_v2_app_");
        assert_eq!(a.len(), 113);
        assert_ne!(a, b);
        assert!(
            a[10..]
                .bytes()
                .all(|c| c.is_ascii_lowercase() || (b'2'..=b'7').contains(&c))
        );
    }

    #[test]
    fn cidr_notation_is_enforced_and_the_spelling_kept() {
        assert_eq!(check_cidr("192.0.2.7/32").unwrap(), "192.0.2.7/32");
        assert_eq!(check_cidr("2001:DB8::/32").unwrap(), "2001:DB8::/32");
        assert_eq!(check_cidr("::1/128").unwrap(), "::1/128");
        let bare = check_cidr("192.0.2.7").unwrap_err();
        assert!(
            bare.contains("\"192.0.2.7\"") && bare.contains("192.0.2.7/32"),
            "{bare}"
        );
        assert!(check_cidr("::1").unwrap_err().contains("::1/128"));
        assert!(
            check_cidr("10.0.0.5/24")
                .unwrap_err()
                .contains("10.0.0.0/24")
        );
        assert!(check_cidr("10.0.0.0/33").is_err());
        assert!(check_cidr("nope").is_err());
    }

    #[test]
    fn body_validation_collects_every_problem() {
        let errors = parse_key_fields(
            br#"{"name":"","ip_allowlist_mode":"sometimes","ip_allowlist":["x",5]}"#,
            true,
        )
        .unwrap_err();
        assert_eq!(errors.len(), 4, "{errors:?}");
        assert!(parse_key_fields(b"{not json", true).unwrap_err()[0].contains("not valid JSON"));
        assert!(parse_key_fields(b"[]", true).is_err());
        assert!(parse_key_fields(b"{}", true).is_err());
        let ok = parse_key_fields(br#"{"extra":1}"#, false).unwrap();
        assert!(ok.name.is_none() && ok.mode.is_none() && ok.allowlist.is_none());
        let long = format!(r#"{{"name":"{}"}}"#, "é".repeat(128));
        assert!(parse_key_fields(long.as_bytes(), true).is_ok());
        let long = format!(r#"{{"name":"{}"}}"#, "é".repeat(129));
        assert!(parse_key_fields(long.as_bytes(), true).is_err());
    }

    #[test]
    fn allowlist_enforcement() {
        let mut key = KeyRecord {
            token_id: "t".into(),
            name: "n".into(),
            ip_allowlist_mode: "explicit".into(),
            ip_allowlist: vec!["127.0.0.0/8".into()],
            secret: "s".into(),
            created_at: now(),
            updated_at: now(),
        };
        assert!(key.allows("127.0.0.1".parse().unwrap()));
        assert!(key.allows("::ffff:127.0.0.1".parse().unwrap()));
        assert!(!key.allows("192.0.2.1".parse().unwrap()));
        key.ip_allowlist_mode = "disabled".into();
        assert!(key.allows("192.0.2.1".parse().unwrap()));
        assert!(check_combination("explicit", &[]).is_err());
        assert!(check_combination("disabled", &[]).is_ok());
    }

    #[test]
    fn state_file_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        assert_eq!(load(&path).unwrap(), None);
        let state = Persisted {
            organization_api_key: generate_secret("os_v2_org_"),
            organization_id: super::super::apps::generate_organization_id(),
            apps: vec![AppRecord::new(None, "demo".into())],
        };
        save(&path, &state).unwrap();
        assert_eq!(load(&path).unwrap(), Some(state));
        std::fs::write(&path, b"garbage").unwrap();
        assert_eq!(
            load(&path).unwrap_err().kind(),
            std::io::ErrorKind::InvalidData
        );
    }
}
