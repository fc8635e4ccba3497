//! Reads are coalesced per app: a refresh of N keys in A apps costs at most 2·A list calls, and a
//! read after a write sees the write.

use std::sync::Arc;
use std::time::{Duration, Instant};

use onesignal_emulator::{Fault, Route};
use terraform_provider_onesignal::onesignal::Error;
use terraform_provider_onesignal::provider::api::Api;
use tokio_util::sync::CancellationToken;

use crate::acceptance::{BackgroundEmulator, plan_exit_code};
use crate::support;
use crate::terraform::{Workspace, config_with};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_reads_share_one_list_and_writes_invalidate() {
    let running = support::start_fresh().await;
    let app = running.app();
    let api = Arc::new(Api::new(running.client(0)));
    api.create_key(&app, &support::spec("first")).await.unwrap();
    running.emulator.reset_counters();

    let reads: Vec<_> = (0..10)
        .map(|_| {
            let (api, app) = (api.clone(), app.clone());
            tokio::spawn(async move { api.list_keys(&app).await.unwrap().len() })
        })
        .collect();
    for read in reads {
        assert_eq!(read.await.unwrap(), 1);
    }
    assert_eq!(
        running.emulator.request_count(Route::ListKeys),
        1,
        "ten reads, one request"
    );

    // A write through the API invalidates the snapshot: the next read sees it.
    let created = api
        .create_key(&app, &support::spec("second"))
        .await
        .unwrap();
    let keys = api.list_keys(&app).await.unwrap();
    assert!(keys.iter().any(|k| k.token_id == created.token_id));
    assert_eq!(running.emulator.request_count(Route::ListKeys), 2);
    api.delete_key(&app, &created.token_id).await.unwrap();
    assert_eq!(api.list_keys(&app).await.unwrap().len(), 1);
    assert_eq!(running.emulator.request_count(Route::ListKeys), 3);
}

/// A read waiting on another read's list stops waiting when its own call is stopped, and leaves
/// that list alone; a list stopped with the call that sent it is not kept, so a waiting read that
/// was not stopped sends its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_read_stops_waiting_and_a_stopped_list_is_not_shared() {
    let running = support::start_fresh().await;
    let app = running.app();
    let api = Api::new(running.client(0));
    api.create_key(&app, &support::spec("only")).await.unwrap();
    running.emulator.reset_counters();
    let read = |api: &Api, cancel: &CancellationToken| {
        let (api, app) = (api.with_cancel(cancel.clone()), app.clone());
        tokio::spawn(async move { api.list_keys(&app).await })
    };
    let lists = || running.emulator.request_count(Route::ListKeys);

    // The waiter is stopped: it returns at once; the list it waited on goes on and is kept.
    running
        .emulator
        .inject(Fault::latency(Some(Route::ListKeys), 1, 1_000));
    let (sender, waiter) = (CancellationToken::new(), CancellationToken::new());
    let sending = read(&api, &sender);
    support::eventually(|| lists() == 1).await;
    let waiting = read(&api, &waiter);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let stopped_at = Instant::now();
    waiter.cancel();
    let result = waiting.await.unwrap();
    assert!(matches!(result, Err(Error::Cancelled)), "{result:?}");
    assert!(stopped_at.elapsed() < Duration::from_millis(500));
    assert_eq!(sending.await.unwrap().unwrap().len(), 1);
    assert_eq!(read(&api, &sender).await.unwrap().unwrap().len(), 1);
    assert_eq!(lists(), 1, "the list answered, and its answer is kept");

    // The sender is stopped: the waiter, not stopped, sends its own list and gets its answer.
    let api = Api::new(running.client(0));
    running
        .emulator
        .inject(Fault::latency(Some(Route::ListKeys), 1, 1_000));
    let (sender, waiter) = (CancellationToken::new(), CancellationToken::new());
    let sending = read(&api, &sender);
    support::eventually(|| lists() == 2).await;
    let waiting = read(&api, &waiter);
    tokio::time::sleep(Duration::from_millis(50)).await;
    sender.cancel();
    let result = sending.await.unwrap();
    assert!(matches!(result, Err(Error::Cancelled)), "{result:?}");
    let result = tokio::time::timeout(Duration::from_secs(5), waiting)
        .await
        .expect("the waiter does not wait out the stopped list")
        .unwrap();
    assert_eq!(result.unwrap().len(), 1);
    assert_eq!(lists(), 3, "the stopped list was not shared");
}

/// The reference scenario: 192 keys over 12 apps (OneSignal caps an app at 16 keys).
#[test]
fn refreshing_192_keys_over_12_apps_costs_at_most_24_list_calls() {
    let Some(ws) = Workspace::new() else { return };
    let emu = BackgroundEmulator::start();
    let mut apps = vec![emu.app()];
    for n in 1..12 {
        apps.push(emu.emulator.create_app(&format!("app {n}")).unwrap().id);
    }
    let app_list = apps
        .iter()
        .map(|a| format!("\"{a}\""))
        .collect::<Vec<_>>()
        .join(", ");
    ws.write_config(&config_with(&format!(
        "{}\nlocals {{\n  apps = [{app_list}]\n}}\n\nresource \"onesignal_app_api_key\" \"k\" {{\n  count = 192\n  app_id = local.apps[floor(count.index / 16)]\n  name = \"key-${{count.index}}\"\n}}\n",
        emu.provider_block()
    )));
    ws.ok(&["apply", "-auto-approve", "-no-color"]);
    for app in &apps {
        assert_eq!(emu.emulator.keys(app).unwrap().len(), 16);
    }

    emu.emulator.reset_counters();
    assert_eq!(plan_exit_code(&ws), 0);
    let lists = emu.emulator.request_count(Route::ListKeys);
    eprintln!("refresh of 192 keys over 12 apps: {lists} list calls");
    assert!(lists <= 24, "{lists} list calls for 12 apps");
    assert!(lists >= 12, "every app was read ({lists})");

    // `apply -refresh-only` reads every key the same way.
    emu.emulator.reset_counters();
    ws.ok(&["apply", "-refresh-only", "-auto-approve", "-no-color"]);
    let lists = emu.emulator.request_count(Route::ListKeys);
    eprintln!("apply -refresh-only of 192 keys over 12 apps: {lists} list calls");
    assert!(lists <= 24, "{lists} list calls for 12 apps");
    assert!(lists >= 12, "every app was read ({lists})");
}
