//! The resource's object as a map of attributes, and the conversions to and from OneSignal's
//! models: the one place where Terraform values and the client's types meet.

use std::collections::BTreeMap;

use crate::onesignal::{AllowlistMode, ApiKey, KeySpec, ReportedMode};
use crate::provider::allowlist;
use crate::tfplugin::Value;

pub const ID: &str = "id";
pub const APP_ID: &str = "app_id";
pub const NAME: &str = "name";
pub const MODE: &str = "ip_allowlist_mode";
pub const ALLOWLIST: &str = "ip_allowlist";
pub const ROTATION_TRIGGER: &str = "rotation_trigger";
pub const TOKEN: &str = "token";
pub const TOKEN_ID: &str = "token_id";
pub const CREATED_AT: &str = "created_at";
pub const UPDATED_AT: &str = "updated_at";

/// The attributes of one `onesignal_app_api_key` object (config, plan or state).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Attrs(BTreeMap<String, Value>);

impl Attrs {
    /// The attributes of an object value (none for null or unknown).
    pub fn of(value: &Value) -> Self {
        match value {
            Value::Object(map) => Self(map.clone()),
            _ => Self::default(),
        }
    }

    /// An attribute's value (null when absent).
    pub fn get(&self, name: &str) -> &Value {
        self.0.get(name).unwrap_or(&Value::Null)
    }

    /// An attribute's value when it is a known string.
    pub fn str(&self, name: &str) -> Option<&str> {
        self.get(name).as_str()
    }

    /// Sets an attribute.
    pub fn set(&mut self, name: &str, value: Value) {
        self.0.insert(name.to_owned(), value);
    }

    /// Sets an attribute to a string, or null.
    pub fn set_str(&mut self, name: &str, value: Option<&str>) {
        self.set(name, value.map_or(Value::Null, Value::string));
    }

    /// The object value.
    pub fn into_value(self) -> Value {
        Value::Object(self.0)
    }

    /// The key settings to send, from wholly known attributes (a plan at apply time). Entries go
    /// in canonical CIDR notation whatever their spelling here, which state keeps.
    pub fn key_spec(&self) -> KeySpec {
        let entries = known_entries(self.get(ALLOWLIST)).unwrap_or_default();
        let ip_allowlist_mode = self
            .str(MODE)
            .and_then(AllowlistMode::parse)
            .unwrap_or_else(|| derived_mode(&entries));
        let mut ip_allowlist: Vec<String> =
            entries.iter().map(|e| allowlist::canonical(e)).collect();
        // Two spellings of one network are one entry on the wire.
        let mut seen = std::collections::HashSet::new();
        ip_allowlist.retain(|e| seen.insert(e.clone()));
        KeySpec {
            name: self.str(NAME).unwrap_or_default().to_owned(),
            ip_allowlist_mode,
            ip_allowlist,
        }
    }

    /// The mode here, when it is a string this provider does not know (OneSignal reported a new
    /// mode): sending the configuration changes it, whatever else matches.
    fn unknown_mode(&self) -> Option<&str> {
        self.str(MODE)
            .filter(|mode| AllowlistMode::parse(mode).is_none())
    }

    /// Whether sending `self` instead of `other` changes anything OneSignal stores: name, mode,
    /// or the allowlist's meaning. `None` when either side is not wholly known.
    pub fn settings_differ(&self, other: &Attrs) -> Option<bool> {
        let known = |a: &Attrs| {
            a.get(NAME).is_known() && a.get(MODE).is_known() && a.get(ALLOWLIST).is_known()
        };
        if !known(self) || !known(other) {
            return None;
        }
        if self.unknown_mode() != other.unknown_mode() {
            return Some(true);
        }
        let (mine, theirs) = (self.key_spec(), other.key_spec());
        Some(
            mine.name != theirs.name
                || mine.ip_allowlist_mode != theirs.ip_allowlist_mode
                || !allowlist::same_networks(&mine.ip_allowlist, &theirs.ip_allowlist),
        )
    }

    /// Copies what OneSignal reports about a key into these attributes. Allowlist entries that
    /// mean the same as one already here keep this spelling, and an empty remote list stays `[]`
    /// only if it was `[]` here, so that a refresh without a real change shows no diff. A list
    /// item without a mode keeps the mode here (derived from the list only when there is none,
    /// as on import); an unknown mode is kept as OneSignal sent it, so that the plan shows drift
    /// of this key alone.
    pub fn absorb_remote(&mut self, app_id: &str, key: &ApiKey) {
        self.set_str(ID, Some(&format!("{app_id}/{}", key.token_id)));
        self.set_str(APP_ID, Some(app_id));
        self.set_str(TOKEN_ID, Some(&key.token_id));
        self.set_str(NAME, Some(&key.name));
        let mode = match &key.ip_allowlist_mode {
            ReportedMode::Missing => self
                .str(MODE)
                .map(str::to_owned)
                .unwrap_or_else(|| derived_mode(&key.ip_allowlist).as_str().to_owned()),
            reported => reported.as_str().unwrap_or_default().to_owned(),
        };
        self.set_str(MODE, Some(&mode));
        let allowlist = reconcile_allowlist(self.get(ALLOWLIST), &key.ip_allowlist);
        self.set(ALLOWLIST, allowlist);
        if key.created_at.is_some() {
            self.set_str(CREATED_AT, key.created_at.as_deref());
        }
        if key.updated_at.is_some() {
            self.set_str(UPDATED_AT, key.updated_at.as_deref());
        }
    }
}

/// The mode OneSignal should use when the configuration does not say.
pub fn derived_mode(entries: &[String]) -> AllowlistMode {
    if entries.is_empty() {
        AllowlistMode::Disabled
    } else {
        AllowlistMode::Explicit
    }
}

/// The entries of a wholly known allowlist (null is empty); `None` when anything is unknown.
pub fn known_entries(value: &Value) -> Option<Vec<String>> {
    match value {
        Value::Null => Some(Vec::new()),
        Value::Set(items) | Value::List(items) => items
            .iter()
            .map(|item| item.as_str().map(str::to_owned))
            .collect(),
        _ => None,
    }
}

/// The allowlist to store for `remote`, keeping the spelling of `prior` entries that mean the same.
pub fn reconcile_allowlist(prior: &Value, remote: &[String]) -> Value {
    if remote.is_empty() {
        return match prior {
            Value::Set(items) if items.is_empty() => prior.clone(),
            _ => Value::Null,
        };
    }
    let prior_entries = known_entries(prior).unwrap_or_default();
    if allowlist::same_networks(&prior_entries, remote) {
        return prior.clone();
    }
    let mut entries: Vec<Value> = Vec::with_capacity(remote.len());
    for entry in remote {
        let spelling = prior_entries
            .iter()
            .find(|p| allowlist::same_network(p, entry))
            .unwrap_or(entry);
        let value = Value::string(spelling.as_str());
        if !entries.contains(&value) {
            entries.push(value);
        }
    }
    Value::Set(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(entries: &[&str]) -> Value {
        Value::Set(entries.iter().map(|e| Value::string(*e)).collect())
    }

    fn strings(entries: &[&str]) -> Vec<String> {
        entries.iter().map(|e| (*e).to_owned()).collect()
    }

    #[test]
    fn remote_spelling_never_replaces_an_equivalent_prior_entry() {
        let prior = set(&["198.51.100.7", "2001:DB8::/32"]);
        let remote = strings(&["198.51.100.7/32", "2001:db8::/32"]);
        assert_eq!(reconcile_allowlist(&prior, &remote), prior);
        // A real change keeps the prior spelling where the meaning is unchanged.
        let remote = strings(&["198.51.100.7/32", "203.0.113.0/24"]);
        assert_eq!(
            reconcile_allowlist(&prior, &remote),
            set(&["198.51.100.7", "203.0.113.0/24"])
        );
    }

    #[test]
    fn empty_remote_is_null_unless_prior_was_empty() {
        assert_eq!(reconcile_allowlist(&Value::Null, &[]), Value::Null);
        assert_eq!(reconcile_allowlist(&set(&[]), &[]), set(&[]));
        assert_eq!(reconcile_allowlist(&set(&["10.0.0.1"]), &[]), Value::Null);
    }

    fn listed(mode: ReportedMode, entries: &[&str]) -> ApiKey {
        ApiKey {
            token_id: "tok".into(),
            name: "svc".into(),
            ip_allowlist_mode: mode,
            ip_allowlist: strings(entries),
            created_at: None,
            updated_at: None,
        }
    }

    #[test]
    fn a_missing_mode_keeps_the_known_one_and_is_derived_only_without_one() {
        let mut state = Attrs::default();
        state.set_str(MODE, Some("disabled"));
        state.absorb_remote("app", &listed(ReportedMode::Missing, &["10.0.0.1/32"]));
        assert_eq!(state.str(MODE), Some("disabled"));
        let mut imported = Attrs::default();
        imported.absorb_remote("app", &listed(ReportedMode::Missing, &["10.0.0.1/32"]));
        assert_eq!(imported.str(MODE), Some("explicit"));
        let mut imported = Attrs::default();
        imported.absorb_remote("app", &listed(ReportedMode::Missing, &[]));
        assert_eq!(imported.str(MODE), Some("disabled"));
    }

    #[test]
    fn an_unknown_mode_is_kept_as_sent_and_differs_from_any_config() {
        let mut state = Attrs::default();
        state.set_str(MODE, Some("explicit"));
        state.set(ALLOWLIST, set(&["10.0.0.1"]));
        let reported = ReportedMode::Other("geo".into());
        state.absorb_remote("app", &listed(reported, &["10.0.0.1/32"]));
        assert_eq!(state.str(MODE), Some("geo"));
        assert_eq!(state.get(ALLOWLIST), &set(&["10.0.0.1"]));
        let mut planned = state.clone();
        planned.set_str(MODE, Some("explicit"));
        assert_eq!(planned.settings_differ(&state), Some(true));
        assert_eq!(state.settings_differ(&state.clone()), Some(false));
    }

    #[test]
    fn the_wire_gets_canonical_cidrs_once_each() {
        let mut state = Attrs::default();
        state.set_str(NAME, Some("svc"));
        state.set(
            ALLOWLIST,
            set(&[
                "198.51.100.7",
                "2001:DB8::1",
                "198.51.100.7/32",
                "192.0.2.0/24",
            ]),
        );
        let spec = state.key_spec();
        assert_eq!(spec.ip_allowlist_mode, AllowlistMode::Explicit);
        assert_eq!(
            spec.ip_allowlist,
            strings(&["198.51.100.7/32", "2001:db8::1/128", "192.0.2.0/24"])
        );
        // State keeps the spelling.
        assert_eq!(state.get(ALLOWLIST).as_elements().unwrap().len(), 4);
    }

    #[test]
    fn settings_compare_by_meaning() {
        let mut a = Attrs::default();
        a.set_str(NAME, Some("svc"));
        a.set_str(MODE, Some("explicit"));
        a.set(ALLOWLIST, set(&["10.0.0.1"]));
        let mut b = a.clone();
        b.set(ALLOWLIST, set(&["10.0.0.1/32"]));
        assert_eq!(a.settings_differ(&b), Some(false));
        b.set(ALLOWLIST, set(&["10.0.0.2"]));
        assert_eq!(a.settings_differ(&b), Some(true));
        b.set(ALLOWLIST, Value::unknown());
        assert_eq!(a.settings_differ(&b), None);
        // null and [] mean the same to OneSignal.
        let mut c = a.clone();
        c.set(ALLOWLIST, Value::Null);
        c.set_str(MODE, Some("disabled"));
        let mut d = c.clone();
        d.set(ALLOWLIST, set(&[]));
        assert_eq!(c.settings_differ(&d), Some(false));
    }
}
