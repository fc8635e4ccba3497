//! Logging in the shape Terraform reads: hclog JSON lines on stderr.
//!
//! go-plugin reads a provider's stderr line by line; a JSON object with `@level`, `@message`,
//! `@timestamp` (exactly six fractional digits) and `@module` is re-logged by Terraform at that
//! level, so `TF_LOG=DEBUG terraform apply` shows our lines among core's. The level comes from
//! `TF_LOG_PROVIDER`, else `TF_LOG`, as Terraform's own providers do; with neither set nothing is
//! written, because Terraform would discard it anyway.
//!
//! Only events of this crate and of the crates the provider names ([`Provider::log_targets`]) are
//! written at every level, other crates' from WARN up: hyper, h2 and rustls trace every frame,
//! which would drown what a user is looking for.
//!
//! [`Provider::log_targets`]: crate::Provider::log_targets
//!
//! The panic hook prints `panic: <message>`, the prefix Terraform watches for to print its "plugin
//! crashed" report. It never prints a backtrace.

use std::fmt::Write as _;
use std::io::Write as _;

use serde_json::{Map, Value as Json};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::prelude::*;

/// The `@module` of every line: Terraform shows it beside the plugin's own logger name.
const MODULE: &str = "provider";
/// This library's own target, always written.
const OWN_TARGET: &str = env!("CARGO_CRATE_NAME");

/// The most detailed level to write, from Terraform's environment variables; `None` writes nothing.
pub fn level_from_env(tf_log_provider: Option<&str>, tf_log: Option<&str>) -> Option<Level> {
    let raw = tf_log_provider
        .filter(|v| !v.trim().is_empty())
        .or(tf_log)?
        .trim();
    match raw.to_ascii_uppercase().as_str() {
        "" | "OFF" => None,
        "ERROR" => Some(Level::ERROR),
        "WARN" => Some(Level::WARN),
        "INFO" => Some(Level::INFO),
        "DEBUG" => Some(Level::DEBUG),
        // TRACE, JSON, and anything Terraform does not recognise mean "everything" to Terraform.
        _ => Some(Level::TRACE),
    }
}

/// Installs the hclog JSON writer as the global subscriber, and the panic hook. Events of this
/// library and of the crates named in `targets` are written at every level, others from WARN up.
pub fn init(targets: &[&'static str]) {
    install_panic_hook();
    let level = level_from_env(
        std::env::var("TF_LOG_PROVIDER").ok().as_deref(),
        std::env::var("TF_LOG").ok().as_deref(),
    );
    if let Some(level) = level {
        let _ = tracing_subscriber::registry()
            .with(HclogLayer {
                max_level: level,
                own_targets: std::iter::once(OWN_TARGET)
                    .chain(targets.iter().copied())
                    .collect(),
            })
            .try_init();
    }
}

/// Makes a panic print `panic: …` (and where), the form Terraform's crash report expects.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()));
        let mut stderr = std::io::stderr().lock();
        let _ = stderr.write_all(panic_report(info.payload(), location.as_deref()).as_bytes());
    }));
}

/// What the panic hook prints: Terraform recognises a plugin crash by the `panic: ` prefix. No
/// backtrace, whatever `RUST_BACKTRACE` says: its frames help nobody reading Terraform's output.
fn panic_report(payload: &(dyn std::any::Any + Send), location: Option<&str>) -> String {
    let message = if let Some(s) = payload.downcast_ref::<&str>() {
        *s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.as_str()
    } else {
        "unknown panic payload"
    };
    format!(
        "panic: {message}\n\n\tat {}\n",
        location.unwrap_or("an unknown location")
    )
}

/// A `tracing` layer that writes each event as one hclog JSON line on stderr.
pub struct HclogLayer {
    /// The most detailed level written.
    pub max_level: Level,
    /// The crates (`tracing` targets and the modules under them) written at every level; events
    /// of other crates are written from WARN up.
    pub own_targets: Vec<&'static str>,
}

impl HclogLayer {
    fn is_own(&self, target: &str) -> bool {
        self.own_targets.iter().any(|own| {
            target
                .strip_prefix(own)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
        })
    }
}

impl<S: Subscriber> Layer<S> for HclogLayer {
    fn enabled(&self, metadata: &tracing::Metadata<'_>, _: Context<'_, S>) -> bool {
        let level = *metadata.level();
        level <= self.max_level && (level <= Level::WARN || self.is_own(metadata.target()))
    }

    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let mut line = format_line(event);
        line.push('\n');
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }
}

fn format_line(event: &Event<'_>) -> String {
    let mut fields = FieldCollector::default();
    event.record(&mut fields);
    let mut object = Map::new();
    object.insert(
        "@level".into(),
        Json::from(hclog_level(*event.metadata().level())),
    );
    object.insert("@message".into(), Json::from(fields.message));
    object.insert("@module".into(), Json::from(MODULE));
    object.insert(
        "@timestamp".into(),
        Json::from(timestamp(time::OffsetDateTime::now_utc())),
    );
    for (key, value) in fields.fields {
        object.entry(key).or_insert(value);
    }
    Json::Object(object).to_string()
}

fn hclog_level(level: Level) -> &'static str {
    match level {
        Level::TRACE => "trace",
        Level::DEBUG => "debug",
        Level::INFO => "info",
        Level::WARN => "warn",
        Level::ERROR => "error",
    }
}

/// hclog's JSON time format: UTC, exactly six fractional digits.
pub fn timestamp(at: time::OffsetDateTime) -> String {
    let mut out = String::with_capacity(27);
    let _ = write!(
        out,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.microsecond()
    );
    out
}

#[derive(Default)]
struct FieldCollector {
    message: String,
    fields: Vec<(String, Json)>,
}

impl Visit for FieldCollector {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let text = format!("{value:?}");
        if field.name() == "message" {
            self.message = text;
        } else {
            self.fields
                .push((field.name().to_owned(), Json::from(text)));
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message = value.to_owned();
        } else {
            self.fields
                .push((field.name().to_owned(), Json::from(value)));
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.fields
            .push((field.name().to_owned(), Json::from(value)));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.fields
            .push((field.name().to_owned(), Json::from(value)));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.fields
            .push((field.name().to_owned(), Json::from(value)));
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.fields
            .push((field.name().to_owned(), Json::from(value)));
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn own_targets_are_whole_crates() {
        let layer = super::HclogLayer {
            max_level: super::Level::TRACE,
            own_targets: vec!["tfplugin", "api_client"],
        };
        assert!(layer.is_own("tfplugin"));
        assert!(layer.is_own("api_client::exchange"));
        assert!(!layer.is_own("api_client_mock::routes"));
        assert!(!layer.is_own("h2::codec"));
    }

    #[test]
    fn panic_report_has_terraforms_prefix_and_no_backtrace() {
        let text: &(dyn std::any::Any + Send) = &"boom";
        assert_eq!(
            super::panic_report(text, Some("src/x.rs:3")),
            "panic: boom\n\n\tat src/x.rs:3\n"
        );
        let owned: &(dyn std::any::Any + Send) = &String::from("owned");
        assert!(super::panic_report(owned, None).starts_with("panic: owned\n"));
        let other: &(dyn std::any::Any + Send) = &42u8;
        assert!(super::panic_report(other, None).starts_with("panic: unknown panic payload"));
    }

    use super::*;
    use std::sync::{Arc, Mutex};

    #[test]
    fn level_follows_terraform_variables() {
        assert_eq!(level_from_env(None, None), None);
        assert_eq!(level_from_env(None, Some("")), None);
        assert_eq!(level_from_env(None, Some("off")), None);
        assert_eq!(level_from_env(None, Some("debug")), Some(Level::DEBUG));
        assert_eq!(
            level_from_env(Some("WARN"), Some("TRACE")),
            Some(Level::WARN)
        );
        assert_eq!(level_from_env(Some(""), Some("INFO")), Some(Level::INFO));
        assert_eq!(level_from_env(None, Some("JSON")), Some(Level::TRACE));
        assert_eq!(level_from_env(None, Some("bogus")), Some(Level::TRACE));
    }

    #[test]
    fn timestamp_has_six_fractional_digits() {
        let at = time::macros::datetime!(2026-01-02 03:04:05.000_007 UTC);
        assert_eq!(timestamp(at), "2026-01-02T03:04:05.000007Z");
    }

    /// Captures the formatted lines instead of writing them to stderr.
    struct Capture(Arc<Mutex<Vec<String>>>);

    impl<S: Subscriber> Layer<S> for Capture {
        fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
            self.0.lock().unwrap().push(format_line(event));
        }
    }

    #[test]
    fn event_becomes_an_hclog_json_line() {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let subscriber = tracing_subscriber::registry().with(Capture(lines.clone()));
        tracing::subscriber::with_default(subscriber, || {
            tracing::debug!(method = "GET", status = 200u64, "HTTP request finished");
        });
        let lines = lines.lock().unwrap();
        let line: Json = serde_json::from_str(&lines[0]).unwrap();
        assert_eq!(line["@level"], "debug");
        assert_eq!(line["@message"], "HTTP request finished");
        assert_eq!(line["@module"], "provider");
        assert_eq!(line["method"], "GET");
        assert_eq!(line["status"], 200);
        let ts = line["@timestamp"].as_str().unwrap();
        assert_eq!(ts.len(), 27, "{ts}");
        assert!(ts.ends_with('Z'));
    }
}
