//! Planning, in terraform-plugin-framework's order: computed attributes unknown on create, prior
//! values kept for what cannot change, the allowlist compared by meaning, the mode derived, then
//! the rotation decision.

use crate::provider::allowlist;
use crate::tfplugin::{AttributePath, Diagnostic, PlanResponse, Value};

use super::diagnostics;
use super::model::*;

/// Whether an apply will rotate the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rotation {
    /// No rotation.
    No,
    /// The trigger changed from one value to another: rotate.
    Yes,
    /// The new trigger is not known yet; decided when Terraform plans again at apply.
    Undecided,
}

/// The rotation rule: only a change between two non-null values rotates. Setting the trigger for
/// the first time (or after an import) and removing it only record the value.
pub fn rotation(prior_trigger: &Value, new_trigger: &Value) -> Rotation {
    match (prior_trigger, new_trigger) {
        (Value::Null, _) | (_, Value::Null) => Rotation::No,
        (_, new) if !new.is_known() => Rotation::Undecided,
        (prior, new) if prior == new => Rotation::No,
        _ => Rotation::Yes,
    }
}

/// Plans a create (`prior` null) or an in-place update, and refuses a plan whose settings
/// OneSignal would refuse.
pub fn plan(prior: &Value, proposed: &Value, config: &Value) -> PlanResponse {
    let mut response = plan_values(prior, proposed, config);
    if would_send_explicit_without_entries(&Attrs::of(&response.planned_state)) {
        response
            .diagnostics
            .push(diagnostics::planned_explicit_without_entries());
    }
    response
}

/// Whether the planned settings are `explicit` with a known, empty list. Validation rejects that
/// in a configuration, but the plan may hold other values: with `lifecycle { ignore_changes =
/// [ip_allowlist] }` Terraform hands the provider the key's current list as the configured one.
fn would_send_explicit_without_entries(planned: &Attrs) -> bool {
    planned.str(MODE) == Some("explicit")
        && match planned.get(ALLOWLIST) {
            Value::Null => true,
            Value::Set(items) | Value::List(items) => items.is_empty(),
            _ => false,
        }
}

fn plan_values(prior: &Value, proposed: &Value, config: &Value) -> PlanResponse {
    let config = Attrs::of(config);
    let mut planned = Attrs::of(proposed);
    let mut response = PlanResponse::default();

    if prior.is_null() {
        for computed in [ID, TOKEN, TOKEN_ID, CREATED_AT, UPDATED_AT] {
            planned.set(computed, Value::unknown());
        }
        plan_mode(&config, &mut planned);
        response.planned_state = planned.into_value();
        return response;
    }

    let prior = Attrs::of(prior);
    if config.get(APP_ID) != prior.get(APP_ID) {
        // A key cannot move between apps: Terraform replaces it and plans the create anew.
        response
            .requires_replace
            .push(AttributePath::attribute(APP_ID));
        for computed in [ID, TOKEN, TOKEN_ID, CREATED_AT, UPDATED_AT] {
            planned.set(computed, Value::unknown());
        }
        plan_mode(&config, &mut planned);
        response.planned_state = planned.into_value();
        return response;
    }

    // A respelling of the same networks keeps the prior value (Terraform accepts prior or config
    // for a non-computed attribute, the prior only when both are non-null).
    let (prior_list, config_list) = (prior.get(ALLOWLIST), config.get(ALLOWLIST));
    let respelled = !prior_list.is_null()
        && !config_list.is_null()
        && match (known_entries(prior_list), known_entries(config_list)) {
            (Some(p), Some(c)) => allowlist::same_networks(&p, &c),
            _ => false,
        };
    planned.set(
        ALLOWLIST,
        if respelled {
            prior_list.clone()
        } else {
            config_list.clone()
        },
    );
    plan_mode(&config, &mut planned);

    for kept in [ID, TOKEN_ID, CREATED_AT, TOKEN, UPDATED_AT] {
        planned.set(kept, prior.get(kept).clone());
    }
    let rotation = rotation(prior.get(ROTATION_TRIGGER), config.get(ROTATION_TRIGGER));
    if rotation != Rotation::No {
        planned.set(TOKEN, Value::unknown());
    }
    let sends_patch = planned.settings_differ(&prior) != Some(false);
    if sends_patch || rotation != Rotation::No {
        planned.set(UPDATED_AT, Value::unknown());
    }
    if rotation == Rotation::Yes {
        response.diagnostics.push(rotation_warning());
    }
    response.planned_state = planned.into_value();
    response
}

/// `ip_allowlist_mode`: as configured, else derived from the planned allowlist (unknown while
/// the allowlist is).
fn plan_mode(config: &Attrs, planned: &mut Attrs) {
    if !config.get(MODE).is_null() {
        planned.set(MODE, config.get(MODE).clone());
        return;
    }
    let derived = match planned.get(ALLOWLIST) {
        Value::Null => Value::string("disabled"),
        Value::Set(items) | Value::List(items) if items.is_empty() => Value::string("disabled"),
        // Elements may still be unknown, but there are some: the list is not empty.
        Value::Set(_) | Value::List(_) => Value::string("explicit"),
        _ => Value::unknown(),
    };
    planned.set(MODE, derived);
}

fn rotation_warning() -> Diagnostic {
    Diagnostic::warning(
        "The API key will be rotated",
        "rotation_trigger changed, so this apply rotates the key: OneSignal issues a new secret \
         and the current one stops working as soon as the apply runs (there is no grace period). \
         Make sure every consumer can pick up the new token right away, or use two keys and \
         rotate the idle one.",
    )
    .at(AttributePath::attribute(ROTATION_TRIGGER))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tfplugin::Severity;

    const APP: &str = "2f8e5f4a-1b7c-4e0f-9d3a-6c1b2a3d4e5f";

    fn set(entries: &[&str]) -> Value {
        Value::Set(entries.iter().map(|e| Value::string(*e)).collect())
    }

    fn s(v: &str) -> Value {
        Value::string(v)
    }

    fn prior_state() -> Attrs {
        let mut a = Attrs::default();
        a.set(ID, s(&format!("{APP}/tok")));
        a.set(APP_ID, s(APP));
        a.set(NAME, s("svc"));
        a.set(MODE, s("explicit"));
        a.set(ALLOWLIST, set(&["10.0.0.1", "2001:DB8::/32"]));
        a.set(ROTATION_TRIGGER, s("1"));
        a.set(TOKEN, s("os_v2_app_secret"));
        a.set(TOKEN_ID, s("tok"));
        a.set(CREATED_AT, s("2026-01-01T00:00:00Z"));
        a.set(UPDATED_AT, s("2026-01-02T00:00:00Z"));
        a
    }

    /// The configuration matching `prior_state`, with the mode left to derive.
    fn config() -> Attrs {
        let mut c = Attrs::default();
        c.set(APP_ID, s(APP));
        c.set(NAME, s("svc"));
        c.set(ALLOWLIST, set(&["10.0.0.1", "2001:DB8::/32"]));
        c.set(ROTATION_TRIGGER, s("1"));
        c
    }

    /// Terraform's proposed new state: config values, prior values for computed attributes.
    fn proposed(prior: &Attrs, config: &Attrs) -> Attrs {
        let mut p = prior.clone();
        for name in [APP_ID, NAME, ALLOWLIST, ROTATION_TRIGGER] {
            p.set(name, config.get(name).clone());
        }
        if !config.get(MODE).is_null() {
            p.set(MODE, config.get(MODE).clone());
        }
        p
    }

    fn run(prior: &Attrs, config: &Attrs) -> (Attrs, PlanResponse) {
        let response = plan(
            &prior.clone().into_value(),
            &proposed(prior, config).into_value(),
            &config.clone().into_value(),
        );
        (Attrs::of(&response.planned_state), response)
    }

    #[test]
    fn rotation_decision_table() {
        use Rotation::*;
        let (n, u) = (Value::Null, Value::unknown());
        let table = [
            (n.clone(), n.clone(), No),
            (n.clone(), s("a"), No),
            (s("a"), n.clone(), No),
            (s("a"), s("a"), No),
            (s("a"), s("b"), Yes),
            (s("a"), u.clone(), Undecided),
            (n.clone(), u.clone(), No),
        ];
        for (prior, new, want) in table {
            assert_eq!(rotation(&prior, &new), want, "{prior:?} -> {new:?}");
        }
    }

    #[test]
    fn create_plans_computed_attributes_unknown_and_derives_the_mode() {
        let mut c = config();
        c.set(ROTATION_TRIGGER, Value::Null);
        let response = plan(
            &Value::Null,
            &c.clone().into_value(),
            &c.clone().into_value(),
        );
        let planned = Attrs::of(&response.planned_state);
        for computed in [ID, TOKEN, TOKEN_ID, CREATED_AT, UPDATED_AT] {
            assert!(planned.get(computed).is_unknown(), "{computed}");
        }
        assert_eq!(planned.str(MODE), Some("explicit"));
        c.set(ALLOWLIST, Value::Null);
        let response = plan(&Value::Null, &c.clone().into_value(), &c.into_value());
        assert_eq!(
            Attrs::of(&response.planned_state).str(MODE),
            Some("disabled")
        );
    }

    #[test]
    fn no_change_plans_the_prior_state() {
        let prior = prior_state();
        let (planned, response) = run(&prior, &config());
        assert_eq!(planned, prior);
        assert!(response.diagnostics.is_empty() && response.requires_replace.is_empty());
    }

    #[test]
    fn respelling_plans_nothing() {
        let prior = prior_state();
        let mut c = config();
        c.set(ALLOWLIST, set(&["2001:db8::/32", "10.0.0.1/32"]));
        let (planned, _) = run(&prior, &c);
        assert_eq!(planned, prior);
    }

    #[test]
    fn a_real_change_plans_the_config_and_an_unknown_updated_at() {
        let prior = prior_state();
        let mut c = config();
        c.set(ALLOWLIST, set(&["10.0.0.1/32", "203.0.113.0/24"]));
        let (planned, _) = run(&prior, &c);
        assert_eq!(
            planned.get(ALLOWLIST),
            &set(&["10.0.0.1/32", "203.0.113.0/24"])
        );
        assert!(planned.get(UPDATED_AT).is_unknown());
        assert_eq!(planned.get(TOKEN), prior.get(TOKEN));
        assert_eq!(planned.get(CREATED_AT), prior.get(CREATED_AT));
    }

    #[test]
    fn null_to_empty_is_planned_as_written_and_sends_nothing() {
        let mut prior = prior_state();
        prior.set(ALLOWLIST, Value::Null);
        prior.set(MODE, s("disabled"));
        let mut c = config();
        c.set(ALLOWLIST, set(&[]));
        let (planned, _) = run(&prior, &c);
        assert_eq!(planned.get(ALLOWLIST), &set(&[]));
        assert_eq!(planned.str(MODE), Some("disabled"));
        assert_eq!(planned.get(UPDATED_AT), prior.get(UPDATED_AT));
    }

    #[test]
    fn removing_the_allowlist_derives_disabled() {
        let prior = prior_state();
        let mut c = config();
        c.set(ALLOWLIST, Value::Null);
        let (planned, _) = run(&prior, &c);
        assert_eq!(planned.str(MODE), Some("disabled"));
        assert!(planned.get(UPDATED_AT).is_unknown());
    }

    #[test]
    fn trigger_change_rotates_with_a_warning() {
        let prior = prior_state();
        let mut c = config();
        c.set(ROTATION_TRIGGER, s("2"));
        let (planned, response) = run(&prior, &c);
        assert!(planned.get(TOKEN).is_unknown());
        assert!(planned.get(UPDATED_AT).is_unknown());
        assert_eq!(planned.get(TOKEN_ID), prior.get(TOKEN_ID));
        let warning = response.diagnostics.iter().next().unwrap();
        assert_eq!(warning.severity, Severity::Warning);
        assert!(warning.detail.contains("stops working"));
    }

    #[test]
    fn first_trigger_only_records_it() {
        let mut prior = prior_state();
        prior.set(ROTATION_TRIGGER, Value::Null);
        prior.set(TOKEN, Value::Null); // as after an import
        let (planned, response) = run(&prior, &config());
        assert_eq!(planned.get(TOKEN), &Value::Null);
        assert_eq!(planned.get(UPDATED_AT), prior.get(UPDATED_AT));
        assert_eq!(planned.str(ROTATION_TRIGGER), Some("1"));
        assert!(response.diagnostics.is_empty());
    }

    #[test]
    fn unknown_trigger_defers_the_decision() {
        let prior = prior_state();
        let mut c = config();
        c.set(ROTATION_TRIGGER, Value::unknown());
        let (planned, response) = run(&prior, &c);
        assert!(planned.get(TOKEN).is_unknown());
        assert!(planned.get(UPDATED_AT).is_unknown());
        assert!(response.diagnostics.is_empty());
        // With no prior trigger, no rotation can follow: the token is kept.
        let mut prior = prior_state();
        prior.set(ROTATION_TRIGGER, Value::Null);
        let (planned, _) = run(&prior, &c);
        assert_eq!(planned.get(TOKEN), prior.get(TOKEN));
    }

    #[test]
    fn app_change_requires_replacement() {
        let prior = prior_state();
        let mut c = config();
        c.set(APP_ID, s("11111111-2222-4333-8444-555555555555"));
        let (planned, response) = run(&prior, &c);
        assert_eq!(
            response.requires_replace,
            vec![AttributePath::attribute(APP_ID)]
        );
        assert!(planned.get(TOKEN_ID).is_unknown());
    }

    #[test]
    fn explicit_with_an_emptied_list_hidden_by_ignore_changes_is_refused() {
        // The remote list was emptied (and the mode disabled) outside Terraform; with
        // ignore_changes = [ip_allowlist] Terraform passes the prior list as the config's.
        let mut prior = prior_state();
        prior.set(MODE, s("disabled"));
        for emptied in [Value::Null, set(&[])] {
            prior.set(ALLOWLIST, emptied.clone());
            let mut c = config();
            c.set(MODE, s("explicit"));
            c.set(ALLOWLIST, emptied);
            let (_, response) = run(&prior, &c);
            let errors: Vec<_> = response
                .diagnostics
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .collect();
            assert_eq!(errors.len(), 1, "{:?}", response.diagnostics);
            assert_eq!(
                errors[0].attribute,
                Some(AttributePath::attribute(MODE)),
                "{:?}",
                errors[0]
            );
            for named in ["ip_allowlist", "ignore_changes", "\"disabled\""] {
                assert!(
                    errors[0].summary.contains(named) || errors[0].detail.contains(named),
                    "{named}: {:?}",
                    errors[0]
                );
            }
        }
        // Unknown or non-empty lists, and a derived mode, pass.
        let mut c = config();
        c.set(MODE, s("explicit"));
        c.set(ALLOWLIST, Value::unknown());
        assert!(run(&prior_state(), &c).1.diagnostics.is_empty());
        c.set(ALLOWLIST, Value::Set(vec![Value::unknown()]));
        assert!(run(&prior_state(), &c).1.diagnostics.is_empty());
        let mut c = config();
        c.set(ALLOWLIST, Value::Null);
        assert!(run(&prior_state(), &c).1.diagnostics.is_empty());
    }

    #[test]
    fn explicit_mode_in_config_is_kept() {
        let prior = prior_state();
        let mut c = config();
        c.set(MODE, s("explicit"));
        let (planned, _) = run(&prior, &c);
        assert_eq!(planned, prior);
    }
}
