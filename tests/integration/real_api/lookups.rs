//! The provider's lookups driven directly (no Terraform) against the in-process emulator over
//! real HTTP: what proves a key gone, what only fails, how failures are shared, and import ids.

use std::sync::Arc;
use std::time::{Duration, Instant};

use onesignal_emulator::{Fault, Route, Variants};
use terraform_provider_onesignal::provider::api::Api;
use terraform_provider_onesignal::provider::app_api_key::model::*;
use terraform_provider_onesignal::provider::app_api_key::read;
use terraform_provider_onesignal::tfplugin::{Diagnostics, Value};

use crate::support::{self, Running};

/// An app id no emulator ever generates.
const NO_SUCH_APP: &str = "00000000-1111-4222-8333-444444444444";

/// The state Terraform would hold for `token_id` of `app_id`.
fn state_of(app_id: &str, token_id: &str) -> Value {
    let mut state = Attrs::default();
    state.set_str(ID, Some(&format!("{app_id}/{token_id}")));
    state.set_str(APP_ID, Some(app_id));
    state.set_str(TOKEN_ID, Some(token_id));
    state.set_str(NAME, Some("svc"));
    state.set_str(MODE, Some("disabled"));
    state.set(ALLOWLIST, Value::Null);
    state.set_str(TOKEN, Some("os_v2_app_kept"));
    state.set(ROTATION_TRIGGER, Value::Null);
    state.set_str(CREATED_AT, Some("2026-01-01T00:00:00Z"));
    state.set_str(UPDATED_AT, Some("2026-01-01T00:00:00Z"));
    state.into_value()
}

fn summaries(diags: &Diagnostics) -> String {
    diags
        .iter()
        .map(|d| format!("{}: {}", d.summary, d.detail))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A key made in the first app, and an `Api` with `max_retries`.
async fn with_key(max_retries: u32) -> (Running, Api, String) {
    let running = support::start_fresh().await;
    let api = Api::new(running.client(max_retries));
    let created = api
        .create_key(&running.app(), &support::spec("svc"))
        .await
        .unwrap();
    (running, api, created.token_id)
}

#[tokio::test]
async fn a_status_code_alone_never_empties_state() {
    let (running, api, token_id) = with_key(0).await;
    let app = running.app();
    let current = state_of(&app, &token_id);

    // A 404 for the list of an app that GET /apps still lists: unexplained, state kept.
    running
        .emulator
        .inject(Fault::status(Some(Route::ListKeys), 1, 404));
    let (state, diags) = read::read(&api, &current).await;
    assert_eq!(state, current, "state kept exactly");
    let text = summaries(&diags);
    assert!(diags.has_errors(), "{text}");
    assert!(text.contains("could not be explained"), "{text}");
    assert!(
        text.contains("include app") && text.contains("api_url"),
        "{text}"
    );

    // Everything answered 400: neither the list nor GET /apps proves anything.
    running.emulator.set_variants(Variants {
        reject_everything_400: true,
        ..Variants::default()
    });
    let fresh = Api::new(running.client(0));
    let (state, diags) = read::read(&fresh, &current).await;
    assert_eq!(state, current);
    let text = summaries(&diags);
    assert!(
        text.contains("failed too") && text.contains("api_url"),
        "{text}"
    );
    assert!(!text.contains("refused the key settings"), "{text}");

    // The app's list is down and GET /apps too: an outage, not a proof.
    running.emulator.set_variants(Variants {
        unknown_as_400: true,
        routes_down: vec![Route::ListApps],
        ..Variants::default()
    });
    let fresh = Api::new(running.client(0));
    let gone = state_of(NO_SUCH_APP, &token_id);
    let (state, diags) = read::read(&fresh, &gone).await;
    assert_eq!(state, gone, "{}", summaries(&diags));
    assert!(diags.has_errors());

    // A successful GET /apps that lacks the app proves it gone, whether its list said 400 or 404.
    for unknown_as_400 in [true, false] {
        running.emulator.set_variants(Variants {
            unknown_as_400,
            ..Variants::default()
        });
        let fresh = Api::new(running.client(0));
        let (state, diags) = read::read(&fresh, &gone).await;
        assert_eq!(state, Value::Null, "{}", summaries(&diags));
        assert!(diags.is_empty());
    }

    // A successful list that lacks the key proves it gone; one that holds it refreshes it.
    running.emulator.set_variants(Variants::default());
    let fresh = Api::new(running.client(0));
    let (state, _) = read::read(&fresh, &current).await;
    assert_eq!(Attrs::of(&state).str(TOKEN), Some("os_v2_app_kept"));
    running.emulator.delete_key(&app, &token_id).unwrap();
    let fresh = Api::new(running.client(0));
    let (state, diags) = read::read(&fresh, &current).await;
    assert_eq!(state, Value::Null);
    assert!(diags.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_of_one_app_share_one_failure() {
    let (running, api, token_id) = with_key(3).await;
    let app = running.app();
    let api = Arc::new(api);
    running.emulator.reset_counters();
    running.emulator.set_variants(Variants {
        routes_down: vec![Route::ListKeys],
        ..Variants::default()
    });
    let started = Instant::now();
    let reads: Vec<_> = (0..16)
        .map(|_| {
            let (api, current) = (api.clone(), state_of(&app, &token_id));
            tokio::spawn(async move { read::read(&api, &current).await })
        })
        .collect();
    for read in reads {
        let (state, diags) = read.await.unwrap();
        assert_eq!(Attrs::of(&state).str(TOKEN_ID), Some(token_id.as_str()));
        assert!(diags.has_errors());
    }
    let one_sequence = started.elapsed();
    // One retry sequence (at most 1 + max_retries requests) for sixteen reads.
    let lists = running.emulator.request_count(Route::ListKeys);
    assert!((1..=4).contains(&lists), "{lists} list calls");
    // A read arriving right after is answered by that failure, without a request.
    let (_, diags) = read::read(&api, &state_of(&app, &token_id)).await;
    assert!(diags.has_errors());
    assert_eq!(running.emulator.request_count(Route::ListKeys), lists);
    assert!(one_sequence < Duration::from_secs(20), "{one_sequence:?}");
    // A write invalidates the kept failure: the next read asks again.
    running.emulator.set_variants(Variants::default());
    api.update_key(&app, &token_id, &support::spec("renamed"))
        .await
        .unwrap();
    let (state, diags) = read::read(&api, &state_of(&app, &token_id)).await;
    assert!(diags.is_empty(), "{}", summaries(&diags));
    assert_eq!(Attrs::of(&state).str(NAME), Some("renamed"));
}

#[tokio::test]
async fn a_refused_organization_key_is_not_sent_again() {
    let running = support::start_fresh().await;
    let second = running.emulator.create_app("second").unwrap().id;
    // A 403 on one app's keys is that call's error only: the key is still used for others.
    let api = Api::new(running.client(0));
    running
        .emulator
        .inject(Fault::status(Some(Route::ListKeys), 1, 403));
    let (_, diags) = read::read(&api, &state_of(&running.app(), "t")).await;
    assert!(diags.has_errors());
    let (state, diags) = read::read(&api, &state_of(&second, "t")).await;
    assert_eq!(state, Value::Null, "{}", summaries(&diags));
    running.emulator.reset_counters();

    let wrong = format!("os_v2_org_{}", "a".repeat(103));
    let api =
        Api::new(running.client_with(wrong.clone(), 3, tokio_util::sync::CancellationToken::new()));
    let error = api.check_organization_key().await.unwrap_err();
    assert_eq!(error.status(), Some(403));
    for app in [running.app(), second.clone()] {
        let (_, diags) = read::read(&api, &state_of(&app, "t")).await;
        let text = summaries(&diags);
        assert!(text.contains("rejected the organization API key"), "{text}");
        assert!(!text.contains(&wrong), "{text}");
    }
    assert!(
        api.create_key(&running.app(), &support::spec("x"))
            .await
            .is_err()
    );
    let total: u64 = running.emulator.request_counts().values().sum();
    assert_eq!(total, 1, "one GET /apps, then nothing");
}

#[tokio::test]
async fn import_ids_are_checked_first_and_compared_case_insensitively() {
    let (running, api, token_id) = with_key(0).await;
    let app = running.app();
    running.emulator.reset_counters();

    for (id, says) in [
        ("nonsense", "UUID"),
        (" 0d4bc2c4-8f0a-4b7e-9a41-3f2e7c1d5a60", "remove the spaces"),
    ] {
        let (state, diags) = read::import(&api, id).await;
        assert_eq!(state, Value::Null);
        assert!(summaries(&diags).contains(says), "{}", summaries(&diags));
    }
    let spaced = format!("{app}/{token_id}\n");
    let (_, diags) = read::import(&api, &spaced).await;
    assert!(summaries(&diags).contains("remove the spaces"));
    let total: u64 = running.emulator.request_counts().values().sum();
    assert_eq!(total, 0, "refused before any request");

    // Upper-case ids are found; state keeps OneSignal's spelling.
    for id in [
        token_id.to_ascii_uppercase(),
        format!(
            "{}/{}",
            app.to_ascii_uppercase(),
            token_id.to_ascii_uppercase()
        ),
    ] {
        let (state, diags) = read::import(&api, &id).await;
        let state = Attrs::of(&state);
        assert_eq!(state.str(TOKEN_ID), Some(token_id.as_str()), "{id}");
        assert_eq!(state.str(APP_ID), Some(app.as_str()), "{id}");
        assert_eq!(
            state.str(ID),
            Some(format!("{app}/{token_id}").as_str()),
            "{id}"
        );
        assert!(!diags.has_errors(), "{}", summaries(&diags));
    }

    // A key id no app holds: not found, after searching; an app proven gone says so.
    let (_, diags) = read::import(&api, "0d4bc2c4-8f0a-4b7e-9a41-3f2e7c1d5a60").await;
    assert!(summaries(&diags).contains("no such App API key"));
    let (_, diags) = read::import(&api, &format!("{NO_SUCH_APP}/{token_id}")).await;
    assert!(summaries(&diags).contains("OneSignal app not found"));
}
