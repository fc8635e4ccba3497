//! Planning: computed attributes unknown on create, the organization resolved once, settings
//! compared with `""` equal to null, write-only credentials nulled, and `updated_at` unknown
//! exactly when the apply will send a PUT.

use crate::tfplugin::{PlanResponse, Value};

use super::diagnostics;
use super::model::*;

/// The provider's `organization_id`, as far as planning can know it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProviderOrganization {
    /// Resolved from the provider block or `ONESIGNAL_ORGANIZATION_ID`; `None` when neither sets it.
    Known(Option<String>),
    /// The provider's settings are not known until apply.
    Unknown,
}

/// Whether an apply sends the credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendCredentials {
    No,
    Yes,
    /// The new `credentials_wo_version` is not known yet; decided when Terraform plans again at
    /// apply.
    Undecided,
}

/// On an update, credentials go out only when `credentials_wo_version` changes to a non-null
/// value and some credential is configured: Terraform cannot tell the provider whether a
/// write-only value changed, so the version stands for it.
pub fn send_credentials(prior: &Attrs, config: &Attrs) -> SendCredentials {
    let configured = CREDENTIALS.iter().any(|n| !config.get(n).is_null());
    let (before, after) = (
        prior.get(CREDENTIALS_WO_VERSION),
        config.get(CREDENTIALS_WO_VERSION),
    );
    if !configured || after.is_null() {
        SendCredentials::No
    } else if !after.is_known() {
        SendCredentials::Undecided
    } else if before == after {
        SendCredentials::No
    } else {
        SendCredentials::Yes
    }
}

/// Whether an update of `prior` to `planned` changes anything OneSignal stores, from the
/// attributes the configuration manages. `None` when that depends on unknown values.
pub fn settings_change(prior: &Attrs, planned: &Attrs, config: &Attrs) -> Option<bool> {
    let mut managed: Vec<&str> = vec![NAME, ADDITIONAL_DATA_IS_ROOT_PAYLOAD];
    managed.extend(SETTINGS.iter().filter(|n| !config.get(n).is_null()));
    let mut changed = false;
    for name in managed {
        let (before, after) = (prior.get(name), planned.get(name));
        if !after.is_known() {
            return None;
        }
        if name == ADDITIONAL_DATA_IS_ROOT_PAYLOAD {
            // Never returned, nothing to clear: only a configured value is sent.
            changed |= !after.is_null() && after != before;
        } else {
            changed |= !same_setting(before, after);
        }
    }
    Some(changed)
}

/// Plans a create (`prior` null) or an in-place update. Apps are never replaced: OneSignal's
/// API cannot delete one.
pub fn plan(
    prior: &Value,
    proposed: &Value,
    config: &Value,
    provider_organization: &ProviderOrganization,
) -> PlanResponse {
    let config = Attrs::of(config);
    let mut planned = Attrs::of(proposed);
    let mut response = PlanResponse::default();
    // Terraform keeps write-only values out of plans and state.
    for name in CREDENTIALS {
        planned.set(name, Value::Null);
    }

    if prior.is_null() {
        for computed in [ID, CREATED_AT, UPDATED_AT] {
            planned.set(computed, Value::unknown());
        }
        // What OneSignal chooses for a setting the configuration leaves out is known after apply.
        for name in SETTINGS {
            if config.get(name).is_null() {
                planned.set(name, Value::unknown());
            }
        }
        if config.get(ORGANIZATION_ID).is_null() {
            match provider_organization {
                ProviderOrganization::Known(Some(id)) => {
                    planned.set_str(ORGANIZATION_ID, Some(id));
                }
                ProviderOrganization::Unknown => planned.set(ORGANIZATION_ID, Value::unknown()),
                ProviderOrganization::Known(None) => {
                    response
                        .diagnostics
                        .push(diagnostics::organization_id_missing());
                }
            }
        }
        response.planned_state = planned.into_value();
        return response;
    }

    let prior = Attrs::of(prior);
    // Once the app exists it stays in its organization: a later change of the provider's setting
    // never proposes a move, and a configured change is refused (OneSignal's PUT would move it).
    match (prior.str(ORGANIZATION_ID), config.get(ORGANIZATION_ID)) {
        (_, Value::Null) => planned.set(ORGANIZATION_ID, prior.get(ORGANIZATION_ID).clone()),
        (Some(current), Value::String(configured)) if current != configured => {
            response
                .diagnostics
                .push(diagnostics::organization_id_change(current, configured));
        }
        _ => {}
    }
    for kept in [ID, CREATED_AT, UPDATED_AT] {
        planned.set(kept, prior.get(kept).clone());
    }
    let writes = settings_change(&prior, &planned, &config) != Some(false)
        || send_credentials(&prior, &config) != SendCredentials::No;
    if writes {
        planned.set(UPDATED_AT, Value::unknown());
    }
    response.planned_state = planned.into_value();
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tfplugin::Severity;

    const ORG: &str = "8b0e7ee1-62b4-4c4f-8e0b-4a0e8d1f2c3a";
    const OTHER_ORG: &str = "11111111-2222-4333-8444-555555555555";

    fn s(v: &str) -> Value {
        Value::string(v)
    }

    fn prior_state() -> Attrs {
        let mut a = Attrs::default();
        a.set(ID, s("2f8e5f4a-1b7c-4e0f-9d3a-6c1b2a3d4e5f"));
        a.set(NAME, s("Shop"));
        a.set(ORGANIZATION_ID, s(ORG));
        a.set(SITE_NAME, s("Shop"));
        a.set(CHROME_WEB_ORIGIN, s("https://shop.example.com"));
        a.set(SAFARI_SITE_ORIGIN, s("https://shop.example.com"));
        a.set(APNS_ENV, s("production"));
        a.set(CREDENTIALS_WO_VERSION, s("1"));
        a.set(CREATED_AT, s("2026-01-01T00:00:00Z"));
        a.set(UPDATED_AT, s("2026-01-02T00:00:00Z"));
        a
    }

    /// The configuration matching `prior_state`, with an FCM credential; apns_env is left out.
    fn config() -> Attrs {
        let mut c = Attrs::default();
        for name in [
            NAME,
            SITE_NAME,
            CHROME_WEB_ORIGIN,
            SAFARI_SITE_ORIGIN,
            CREDENTIALS_WO_VERSION,
        ] {
            c.set(name, prior_state().get(name).clone());
        }
        c.set(FCM_V1_SERVICE_ACCOUNT_JSON_WO, s("e30="));
        c
    }

    /// Terraform's proposed new state: config values, prior values for computed attributes
    /// (optional + computed ones included) the configuration leaves null.
    fn proposed(prior: &Attrs, config: &Attrs) -> Attrs {
        let mut p = prior.clone();
        for name in [
            NAME,
            ADDITIONAL_DATA_IS_ROOT_PAYLOAD,
            CREDENTIALS_WO_VERSION,
        ]
        .into_iter()
        .chain(CREDENTIALS)
        {
            p.set(name, config.get(name).clone());
        }
        for name in SETTINGS.into_iter().chain([ORGANIZATION_ID]) {
            if !config.get(name).is_null() {
                p.set(name, config.get(name).clone());
            }
        }
        p
    }

    fn run(prior: &Attrs, config: &Attrs) -> (Attrs, PlanResponse) {
        let response = plan(
            &prior.clone().into_value(),
            &proposed(prior, config).into_value(),
            &config.clone().into_value(),
            &ProviderOrganization::Known(Some(OTHER_ORG.into())),
        );
        (Attrs::of(&response.planned_state), response)
    }

    fn create(config: &Attrs, organization: ProviderOrganization) -> (Attrs, PlanResponse) {
        let response = plan(
            &Value::Null,
            &proposed(&Attrs::default(), config).into_value(),
            &config.clone().into_value(),
            &organization,
        );
        (Attrs::of(&response.planned_state), response)
    }

    #[test]
    fn create_plans_unknowns_nulls_credentials_and_resolves_the_organization() {
        let (planned, response) = create(&config(), ProviderOrganization::Known(Some(ORG.into())));
        assert!(response.diagnostics.is_empty());
        for unknown in [ID, CREATED_AT, UPDATED_AT, APNS_ENV, APNS_KEY_ID] {
            assert!(planned.get(unknown).is_unknown(), "{unknown}");
        }
        assert_eq!(planned.str(SITE_NAME), Some("Shop"));
        assert_eq!(planned.str(ORGANIZATION_ID), Some(ORG));
        assert!(planned.get(FCM_V1_SERVICE_ACCOUNT_JSON_WO).is_null());

        let mut configured = config();
        configured.set(ORGANIZATION_ID, s(OTHER_ORG));
        let (planned, _) = create(&configured, ProviderOrganization::Known(Some(ORG.into())));
        assert_eq!(
            planned.str(ORGANIZATION_ID),
            Some(OTHER_ORG),
            "the resource's own wins"
        );

        let (planned, response) = create(&config(), ProviderOrganization::Unknown);
        assert!(planned.get(ORGANIZATION_ID).is_unknown() && response.diagnostics.is_empty());
    }

    #[test]
    fn create_without_any_organization_names_the_attribute_and_the_variable() {
        let (_, response) = create(&config(), ProviderOrganization::Known(None));
        let error = response.diagnostics.iter().next().unwrap();
        assert_eq!(error.severity, Severity::Error);
        assert_eq!(
            error.attribute.as_ref().unwrap().to_string(),
            ORGANIZATION_ID
        );
        assert!(error.detail.contains("ONESIGNAL_ORGANIZATION_ID"));
    }

    #[test]
    fn no_change_plans_the_prior_state() {
        let prior = prior_state();
        let (planned, response) = run(&prior, &config());
        assert_eq!(planned.into_value(), prior.into_value());
        assert!(response.diagnostics.is_empty());
    }

    #[test]
    fn empty_equals_null() {
        let mut prior = prior_state();
        prior.set(APNS_KEY_ID, Value::Null);
        let mut c = config();
        c.set(APNS_KEY_ID, s(""));
        let (planned, _) = run(&prior, &c);
        assert_eq!(planned.str(APNS_KEY_ID), Some(""), "planned as written");
        assert_eq!(
            planned.get(UPDATED_AT),
            prior.get(UPDATED_AT),
            "nothing is sent"
        );
    }

    #[test]
    fn a_rename_or_a_new_setting_plans_an_update() {
        let prior = prior_state();
        let mut c = config();
        c.set(NAME, s("Shop 2"));
        let (planned, _) = run(&prior, &c);
        assert_eq!(planned.str(NAME), Some("Shop 2"));
        assert!(planned.get(UPDATED_AT).is_unknown());
        assert_eq!(planned.get(ID), prior.get(ID));
        let mut c = config();
        c.set(APNS_KEY_ID, s("ABC123DEFG"));
        assert!(run(&prior, &c).0.get(UPDATED_AT).is_unknown());
        let mut c = config();
        c.set(ADDITIONAL_DATA_IS_ROOT_PAYLOAD, Value::Bool(true));
        assert!(run(&prior, &c).0.get(UPDATED_AT).is_unknown());
    }

    #[test]
    fn removing_a_setting_stops_managing_it() {
        let prior = prior_state();
        let mut c = config();
        c.set(SITE_NAME, Value::Null);
        c.set(CHROME_WEB_ORIGIN, Value::Null);
        c.set(SAFARI_SITE_ORIGIN, Value::Null);
        let (planned, _) = run(&prior, &c);
        assert_eq!(
            planned.into_value(),
            prior.into_value(),
            "state keeps OneSignal's value, nothing is sent"
        );
    }

    #[test]
    fn credentials_go_out_only_when_the_version_changes() {
        use SendCredentials::*;
        let prior = prior_state();
        let with = |version: Value, credential: bool| {
            let mut c = config();
            c.set(CREDENTIALS_WO_VERSION, version);
            if !credential {
                c.set(FCM_V1_SERVICE_ACCOUNT_JSON_WO, Value::Null);
            }
            c
        };
        let table = [
            (with(s("1"), true), No),
            (with(s("2"), true), Yes),
            (with(Value::Null, true), No),
            (with(Value::unknown(), true), Undecided),
            (with(s("2"), false), No),
        ];
        for (c, want) in table {
            assert_eq!(send_credentials(&prior, &c), want, "{c:?}");
            let (planned, _) = run(&prior, &c);
            assert_eq!(planned.get(UPDATED_AT).is_unknown(), want != No, "{c:?}");
            assert!(planned.get(FCM_V1_SERVICE_ACCOUNT_JSON_WO).is_null());
        }
        // Set for the first time after an import: sent.
        let mut imported = prior_state();
        imported.set(CREDENTIALS_WO_VERSION, Value::Null);
        assert_eq!(send_credentials(&imported, &config()), Yes);
    }

    #[test]
    fn the_organization_stays_and_a_configured_move_is_refused() {
        let prior = prior_state();
        // The provider now says OTHER_ORG (see `run`): no move is proposed.
        let (planned, response) = run(&prior, &config());
        assert_eq!(planned.str(ORGANIZATION_ID), Some(ORG));
        assert!(response.diagnostics.is_empty());
        let mut c = config();
        c.set(ORGANIZATION_ID, s(ORG));
        assert!(run(&prior, &c).1.diagnostics.is_empty());
        c.set(ORGANIZATION_ID, s(OTHER_ORG));
        let (_, response) = run(&prior, &c);
        let error = response.diagnostics.iter().next().unwrap();
        assert_eq!(error.severity, Severity::Error);
        assert_eq!(
            error.attribute.as_ref().unwrap().to_string(),
            ORGANIZATION_ID
        );
        assert!(error.detail.contains(ORG) && error.detail.contains(OTHER_ORG));
    }
}
