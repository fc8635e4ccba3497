//! How OneSignal's error bodies become messages, whatever their shape.
//!
//! The documented shapes are read for their messages; JSON of any other shape is shown as it came;
//! a body that is not JSON (a proxy's HTML page) becomes one short snippet naming its content
//! type. Every text is scrubbed of secrets before anything is cut.

use serde_json::Value;

use super::error::{MAX_ERROR_TEXT, cap_messages};
use crate::secret::{Secret, redact};

/// The longest snippet of an error body that is not JSON (an HTML page from a proxy): enough to
/// recognise it, short enough to read.
const MAX_SNIPPET: usize = 300;

/// The messages of an error body in any of the documented shapes: `{"errors": ["m", ...]}`,
/// `{"errors": [{"code", "title", "meta"}]}`, `{"errors": "m"}` and
/// `{"success": false, "errors": ..., "reference": [...]}`; other JSON is shown as it came. A body
/// that is not JSON (an HTML page from a proxy) becomes one short snippet naming its content type.
/// Secrets are scrubbed from the whole text before anything is cut. An empty or `{}` body yields
/// no messages.
pub(crate) fn error_messages(
    body: &[u8],
    content_type: Option<&str>,
    truncated: bool,
    known: &[&Secret],
) -> Vec<String> {
    let messages = match serde_json::from_slice::<Value>(body) {
        Ok(value) => json_messages(&value),
        Err(_) => snippet(body, content_type, truncated, known)
            .into_iter()
            .collect(),
    };
    let messages = messages
        .into_iter()
        .map(|message| redact(&message, known))
        .collect();
    cap_messages(messages, MAX_ERROR_TEXT)
}

/// One line describing a body that is not JSON: `text/html body: <html>…`.
fn snippet(
    body: &[u8],
    content_type: Option<&str>,
    truncated: bool,
    known: &[&Secret],
) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    if text.trim().is_empty() {
        return None;
    }
    // Scrub first: a cut could split a secret so that neither half is recognised.
    let text = redact(&text, known);
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut shown: String = text.chars().take(MAX_SNIPPET).collect();
    if truncated || shown.len() < text.len() {
        shown.push('…');
    }
    let kind = match content_type.map(str::trim).filter(|c| !c.is_empty()) {
        Some(content_type) => format!("{} body", redact(content_type, known)),
        None => "body without a content type".to_owned(),
    };
    Some(format!("{kind}: {shown}"))
}

fn json_messages(value: &Value) -> Vec<String> {
    let mut out = Vec::new();
    match value {
        Value::Object(map) => {
            if let Some(errors) = map.get("errors") {
                collect(errors, &mut out);
            }
            // Some endpoints explain themselves in other fields; use them only when `errors` said nothing.
            if out.is_empty() {
                for field in ["error", "message", "title", "detail"] {
                    if let Some(v) = map.get(field) {
                        collect(v, &mut out);
                    }
                }
            }
        }
        other => collect(other, &mut out),
    }
    // JSON of a shape nobody documented is shown as it came, rather than nothing.
    let empty = match value {
        Value::Object(map) => map.is_empty() || map.get("errors").is_some_and(is_empty_json),
        other => is_empty_json(other),
    };
    if out.is_empty() && !empty {
        out.push(value.to_string());
    }
    out
}

fn is_empty_json(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(items) => items.is_empty(),
        Value::Object(map) => map.is_empty(),
        _ => false,
    }
}

fn collect(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) if !s.is_empty() => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|item| collect(item, out)),
        Value::Object(map) => {
            let text = |k: &str| map.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
            let main = text("title")
                .or_else(|| text("message"))
                .or_else(|| text("detail"));
            match (main, text("code")) {
                (Some(m), Some(code)) if code != m => out.push(format!("{m} ({code})")),
                (Some(m), _) => out.push(m.to_owned()),
                (None, Some(code)) => out.push(code.to_owned()),
                (None, None) if !map.is_empty() => out.push(value.to_string()),
                (None, None) => {}
            }
        }
        Value::Null | Value::String(_) => {}
        other => out.push(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::cap_text;

    fn messages(body: &[u8]) -> Vec<String> {
        error_messages(
            body,
            Some("application/json"),
            false,
            &[&Secret::new("os_v2_org_k")],
        )
    }

    #[test]
    fn every_documented_error_body_shape() {
        assert_eq!(messages(br#"{"errors":["a","b"]}"#), vec!["a", "b"]);
        assert_eq!(
            messages(br#"{"errors":[{"code":"invalid_cidr","title":"Bad CIDR","meta":{"x":1}}]}"#),
            vec!["Bad CIDR (invalid_cidr)"]
        );
        assert_eq!(messages(br#"{"errors":"just one"}"#), vec!["just one"]);
        assert_eq!(
            messages(
                br#"{"success":false,"errors":["app_id not found"],"reference":["https://x"]}"#
            ),
            vec!["app_id not found"]
        );
        // JSON nobody documented is shown as it came.
        assert_eq!(
            messages(br#"{"status":"bad","why":7}"#),
            vec![r#"{"status":"bad","why":7}"#]
        );
        assert_eq!(messages(b"[1,2]"), vec!["1", "2"]);
    }

    #[test]
    fn odd_bodies() {
        assert!(messages(b"{}").is_empty());
        assert!(messages(b"").is_empty());
        assert!(messages(br#"{"errors":[]}"#).is_empty());
        assert_eq!(messages(br#"{"error":"x"}"#), vec!["x"]);
        assert_eq!(messages(br#"{"errors":[{"code":"c"}]}"#), vec!["c"]);
    }

    #[test]
    fn a_body_that_is_not_json_is_a_short_snippet_with_its_content_type() {
        let key = Secret::new("os_v2_org_k");
        let html = format!(
            "<html>\n  <head><title>404 Not Found</title></head>\n{}</html>",
            "<p>x</p>".repeat(500)
        );
        let shown = error_messages(html.as_bytes(), Some("text/html"), false, &[&key]);
        assert_eq!(shown.len(), 1);
        assert!(
            shown[0].starts_with("text/html body: <html> <head><title>404 Not Found</title>"),
            "{shown:?}"
        );
        assert!(
            shown[0].ends_with('…') && shown[0].chars().count() < 400,
            "{shown:?}"
        );
        assert_eq!(
            error_messages(b"Service temporarily unavailable", None, false, &[&key]),
            vec!["body without a content type: Service temporarily unavailable"]
        );
        // A body cut at the size cap says so even when the snippet is short.
        assert_eq!(
            error_messages(b"oops", Some("text/plain"), true, &[&key]),
            vec!["text/plain body: oops…"]
        );
    }

    #[test]
    fn secrets_are_scrubbed_before_any_cut() {
        // The organization key (of a legacy shape) straddles the snippet's cut; an App API key
        // sits further in. Neither may show, not even in part.
        let key = Secret::new("LegacyOrgKeyAbcdefghijklmnopqrstuvwxyz0123456789");
        let app_key = format!("os_v2_app_{}", "q".repeat(103));
        let body = format!("{}{} then {app_key}", "x".repeat(290), key.expose());
        for content_type in [Some("text/html"), None] {
            let shown = error_messages(body.as_bytes(), content_type, false, &[&key]).join(" ");
            assert!(!shown.contains("LegacyOrgKey"), "{shown}");
            assert!(!shown.contains("os_v2_app"), "{shown}");
        }
        // Same in JSON messages, and in a message longer than the cap.
        let long = format!(
            r#"{{"errors":["{}{}{app_key} {}"]}}"#,
            "y".repeat(MAX_ERROR_TEXT - 20),
            key.expose(),
            "z".repeat(100)
        );
        let shown = error_messages(long.as_bytes(), None, false, &[&key]).join(" ");
        assert!(
            !shown.contains("Legacy") && !shown.contains("os_v2_app"),
            "{shown}"
        );
        assert!(shown.contains("[truncated:"), "{shown}");
    }

    #[test]
    fn error_text_is_capped() {
        let many: Vec<String> = (0..100)
            .map(|i| format!("{i:03}{}", "m".repeat(97)))
            .collect();
        let body = serde_json::json!({ "errors": many }).to_string();
        let shown = messages(body.as_bytes());
        let total: usize = shown.iter().map(String::len).sum();
        assert!(total <= MAX_ERROR_TEXT + 100, "{total}");
        assert!(
            shown.last().unwrap().contains("further messages"),
            "{shown:?}"
        );
        assert_eq!(shown[0], many[0]);
        assert_eq!(cap_text("ééé", 3), "é… [truncated: 4 more bytes]");
        assert_eq!(cap_text("abc", 3), "abc");
    }
}
