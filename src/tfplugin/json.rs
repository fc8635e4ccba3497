//! cty values in JSON — the form of stored state (`UpgradeResourceState`'s
//! `raw_state`), and of a `DynamicValue` whose `msgpack` field is empty.
//!
//! The JSON is shaped by the [`Type`] (go-cty `cty/json`): null is `null`;
//! lists, sets and tuples are arrays; maps and objects are JSON objects;
//! attributes missing from an object decode as null, unexpected ones are an
//! error; a `"dynamic"` value is `{"type": <type JSON>, "value": <value>}`.
//! There are no unknowns in JSON. Like go-cty we accept a few conversions
//! Terraform itself applies: a number or bool where a string is expected
//! (taken as its text), and `"true"`/`"false"` or decimal text where a bool or
//! number is expected.
//!
//! Numbers must stay exact (state can hold integers beyond 2^53 or decimals
//! that are not binary floats). Rather than turning on serde_json's
//! crate-wide `arbitrary_precision` feature, this module parses JSON itself
//! into a small tree that keeps every number's raw text; serde_json is only
//! used to decode string literals (escapes, surrogates, UTF-8 checks). The
//! parser is bounds-checked, depth-limited and never panics.

use std::collections::BTreeMap;
use std::fmt;

use super::value::{Number, Path, PathStep, Type, Value};

/// Deepest JSON nesting accepted (bounded recursion on hostile input).
pub const MAX_DEPTH: usize = 128;

/// Why JSON could not be decoded as a value of the given type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// Where in the value the problem is (root for syntax errors).
    pub path: Path,
    /// What is wrong (never includes string contents from the input).
    pub reason: String,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid JSON value at {}: {}", self.path, self.reason)
    }
}

impl std::error::Error for DecodeError {}

/// Decodes cty JSON `bytes` as a value of type `ty`.
///
/// Objects come back with every attribute of `ty` present (null when the
/// JSON omitted it). Never panics; rejects anything but whitespace after the
/// value.
pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, DecodeError> {
    decode_with(bytes, ty, Mode::Strict)
}

/// Like [`decode`], but for stored state written under an older schema:
/// object attributes the type no longer has are dropped (at every level)
/// instead of being an error. Numbers stay exact — unlike a detour through
/// `serde_json::Value`, which would round big numbers to `f64`.
pub fn decode_state(bytes: &[u8], ty: &Type) -> Result<Value, DecodeError> {
    decode_with(bytes, ty, Mode::DropUnknownAttributes)
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Strict,
    DropUnknownAttributes,
}

fn decode_with(bytes: &[u8], ty: &Type, mode: Mode) -> Result<Value, DecodeError> {
    let mut p = Parser { b: bytes, i: 0 };
    let tree = p.value(0)?;
    p.ws();
    if p.i != bytes.len() {
        return Err(p.err("trailing characters after the JSON value"));
    }
    let mut cx = Cx {
        path: Vec::new(),
        mode,
    };
    cx.convert(&tree, ty, 0)
}

/// Parsed JSON, numbers kept as text.
enum Json {
    Null,
    Bool(bool),
    Num(String),
    Str(String),
    Arr(Vec<Json>),
    /// In input order; duplicates are rejected during conversion.
    Obj(Vec<(String, Json)>),
}

struct Parser<'a> {
    b: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn err(&self, what: &str) -> DecodeError {
        DecodeError {
            path: Path::default(),
            reason: format!("{what} (at byte {})", self.i),
        }
    }

    fn ws(&mut self) {
        while matches!(self.b.get(self.i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        self.ws();
        let hit = self.b.get(self.i) == Some(&c);
        if hit {
            self.i += 1;
        }
        hit
    }

    fn value(&mut self, depth: usize) -> Result<Json, DecodeError> {
        if depth > MAX_DEPTH {
            return Err(self.err("JSON nested too deeply"));
        }
        self.ws();
        let rest = self.b.get(self.i..).unwrap_or_default();
        for (lit, v) in [
            (&b"null"[..], Json::Null),
            (b"true", Json::Bool(true)),
            (b"false", Json::Bool(false)),
        ] {
            if rest.starts_with(lit) {
                self.i += lit.len();
                return Ok(v);
            }
        }
        match rest.first() {
            None => Err(self.err("unexpected end of JSON")),
            Some(b'"') => self.string().map(Json::Str),
            Some(b'[') => {
                self.i += 1;
                let mut items = Vec::new();
                if self.eat(b']') {
                    return Ok(Json::Arr(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    if self.eat(b']') {
                        return Ok(Json::Arr(items));
                    }
                    if !self.eat(b',') {
                        return Err(self.err("expected ',' or ']'"));
                    }
                }
            }
            Some(b'{') => {
                self.i += 1;
                let mut members = Vec::new();
                if self.eat(b'}') {
                    return Ok(Json::Obj(members));
                }
                loop {
                    self.ws();
                    if self.b.get(self.i) != Some(&b'"') {
                        return Err(self.err("expected an object key"));
                    }
                    let k = self.string()?;
                    if !self.eat(b':') {
                        return Err(self.err("expected ':'"));
                    }
                    members.push((k, self.value(depth + 1)?));
                    if self.eat(b'}') {
                        return Ok(Json::Obj(members));
                    }
                    if !self.eat(b',') {
                        return Err(self.err("expected ',' or '}'"));
                    }
                }
            }
            Some(b'-' | b'0'..=b'9') => {
                let start = self.i;
                while matches!(
                    self.b.get(self.i),
                    Some(b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
                ) {
                    self.i += 1;
                }
                let text = std::str::from_utf8(&self.b[start..self.i]).unwrap_or_default();
                if !super::value::is_decimal_syntax(text) {
                    return Err(self.err("malformed number"));
                }
                Ok(Json::Num(text.to_owned()))
            }
            Some(_) => Err(self.err("unexpected character")),
        }
    }

    /// A string literal starting at the current `"`. We only find its end
    /// here; serde_json decodes it, which handles escapes and validation.
    fn string(&mut self) -> Result<String, DecodeError> {
        let start = self.i;
        self.i += 1;
        loop {
            match self.b.get(self.i) {
                None => return Err(self.err("unterminated string")),
                Some(b'\\') => self.i += 2,
                Some(b'"') => break,
                Some(_) => self.i += 1,
            }
        }
        self.i += 1;
        let lit = self
            .b
            .get(start..self.i)
            .ok_or_else(|| self.err("unterminated string"))?;
        serde_json::from_slice::<String>(lit).map_err(|_| self.err("invalid string literal"))
    }
}

fn err(path: &[PathStep], reason: impl Into<String>) -> DecodeError {
    DecodeError {
        path: Path(path.to_vec()),
        reason: reason.into(),
    }
}

/// Conversion state: the current path (for errors) and the mode.
struct Cx {
    path: Vec<PathStep>,
    mode: Mode,
}

impl Cx {
    fn convert(&mut self, j: &Json, ty: &Type, depth: usize) -> Result<Value, DecodeError> {
        if depth > MAX_DEPTH {
            return Err(err(&self.path, "value nested too deeply"));
        }
        if let Json::Null = j {
            return Ok(Value::Null);
        }
        match (ty, j) {
            (Type::Bool, Json::Bool(b)) => Ok(Value::Bool(*b)),
            (Type::Bool, Json::Str(s)) => match s.as_str() {
                "true" => Ok(Value::Bool(true)),
                "false" => Ok(Value::Bool(false)),
                _ => Err(err(
                    &self.path,
                    "bool is required, found a string that is not \"true\"/\"false\"",
                )),
            },
            (Type::Number, Json::Num(text) | Json::Str(text)) => Number::parse_decimal(text)
                .map(Value::Number)
                .ok_or_else(|| err(&self.path, "number is required, found a non-numeric string")),
            (Type::String, Json::Str(s)) => Ok(Value::String(s.clone())),
            (Type::String, Json::Num(text)) => Ok(Value::String(text.clone())),
            (Type::String, Json::Bool(b)) => Ok(Value::String(b.to_string())),
            (Type::List(et), Json::Arr(items)) => self.elements(items, et, depth).map(Value::List),
            (Type::Set(et), Json::Arr(items)) => self.elements(items, et, depth).map(Value::Set),
            (Type::Tuple(ets), Json::Arr(items)) => {
                if items.len() != ets.len() {
                    return Err(err(
                        &self.path,
                        format!(
                            "tuple of {} elements is required, found {}",
                            ets.len(),
                            items.len()
                        ),
                    ));
                }
                let mut out = Vec::new();
                for (i, (item, et)) in items.iter().zip(ets).enumerate() {
                    self.path.push(PathStep::Index(i));
                    out.push(self.convert(item, et, depth + 1)?);
                    self.path.pop();
                }
                Ok(Value::Tuple(out))
            }
            (Type::Map(et), Json::Obj(members)) => {
                let mut out = BTreeMap::new();
                for (k, item) in members {
                    self.path.push(PathStep::Key(k.clone()));
                    let v = self.convert(item, et, depth + 1)?;
                    if out.insert(k.clone(), v).is_some() {
                        return Err(err(&self.path, "duplicate map key"));
                    }
                    self.path.pop();
                }
                Ok(Value::Map(out))
            }
            (Type::Object(attrs), Json::Obj(members)) => {
                let mut out = BTreeMap::new();
                for (k, item) in members {
                    self.path.push(PathStep::Attr(k.clone()));
                    let Some(aty) = attrs.get(k) else {
                        if self.mode == Mode::DropUnknownAttributes {
                            self.path.pop();
                            continue;
                        }
                        return Err(err(&self.path, "unsupported attribute"));
                    };
                    let v = self.convert(item, aty, depth + 1)?;
                    if out.insert(k.clone(), v).is_some() {
                        return Err(err(&self.path, "duplicate attribute"));
                    }
                    self.path.pop();
                }
                for name in attrs.keys() {
                    out.entry(name.clone()).or_insert(Value::Null);
                }
                Ok(Value::Object(out))
            }
            (Type::Dynamic, Json::Obj(members)) => self.dynamic(members, depth),
            (ty, j) => Err(err(
                &self.path,
                format!("{} is required, found {}", type_name(ty), json_kind(j)),
            )),
        }
    }

    fn elements(
        &mut self,
        items: &[Json],
        et: &Type,
        depth: usize,
    ) -> Result<Vec<Value>, DecodeError> {
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            self.path.push(PathStep::Index(i));
            out.push(self.convert(item, et, depth + 1)?);
            self.path.pop();
        }
        Ok(out)
    }

    /// `{"type": T, "value": V}` — exactly these two keys.
    fn dynamic(&mut self, members: &[(String, Json)], depth: usize) -> Result<Value, DecodeError> {
        let (mut ty, mut val) = (None, None);
        for (k, item) in members {
            match k.as_str() {
                "type" if ty.is_none() => ty = Some(item),
                "value" if val.is_none() => val = Some(item),
                _ => {
                    return Err(err(
                        &self.path,
                        "dynamic value must have exactly the keys \"type\" and \"value\"",
                    ));
                }
            }
        }
        let (Some(ty), Some(val)) = (ty, val) else {
            return Err(err(
                &self.path,
                "dynamic value must have exactly the keys \"type\" and \"value\"",
            ));
        };
        let ty = Type::from_json(&to_serde(ty, 0))
            .map_err(|e| err(&self.path, format!("dynamic value type: {e}")))?;
        if ty == Type::Dynamic {
            return Err(err(
                &self.path,
                "dynamic value's concrete type is itself dynamic",
            ));
        }
        let v = self.convert(val, &ty, depth + 1)?;
        Ok(Value::Dynamic(Box::new(ty), Box::new(v)))
    }
}

/// Enough of a serde_json tree for [`Type::from_json`]; types contain no
/// numbers, so numbers (and anything too deep) become null and are rejected
/// there.
fn to_serde(j: &Json, depth: usize) -> serde_json::Value {
    use serde_json::Value as S;
    if depth > MAX_DEPTH {
        return S::Null;
    }
    match j {
        Json::Null | Json::Num(_) => S::Null,
        Json::Bool(b) => S::Bool(*b),
        Json::Str(s) => S::String(s.clone()),
        Json::Arr(items) => S::Array(items.iter().map(|i| to_serde(i, depth + 1)).collect()),
        Json::Obj(m) => S::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), to_serde(v, depth + 1)))
                .collect(),
        ),
    }
}

fn type_name(ty: &Type) -> &'static str {
    match ty {
        Type::Bool => "bool",
        Type::Number => "number",
        Type::String => "string",
        Type::Dynamic => "dynamic value object",
        Type::List(_) => "JSON array for list",
        Type::Set(_) => "JSON array for set",
        Type::Tuple(_) => "JSON array for tuple",
        Type::Map(_) => "JSON object for map",
        Type::Object(_) => "JSON object for object",
    }
}

fn json_kind(j: &Json) -> &'static str {
    match j {
        Json::Null => "null",
        Json::Bool(_) => "bool",
        Json::Num(_) => "number",
        Json::Str(_) => "string",
        Json::Arr(_) => "array",
        Json::Obj(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state_type() -> Type {
        Type::object([
            ("id", Type::String),
            ("tags", Type::set_of(Type::String)),
            ("big", Type::Number),
            ("ratio", Type::Number),
            ("count", Type::Number),
            ("enabled", Type::Bool),
            ("note", Type::String),
            ("labels", Type::map_of(Type::String)),
            ("absent", Type::list_of(Type::String)),
        ])
    }

    #[test]
    fn decodes_a_state_object() {
        let raw = br#"{
            "id": "key-123",
            "tags": ["b", "a\u00e9", "\ud83e\udd80"],
            "big": 123456789012345678901234567890,
            "ratio": 0.1,
            "count": -42,
            "enabled": true,
            "note": null,
            "labels": {"env": "prod"}
        }"#;
        let v = decode(raw, &state_type()).unwrap();
        assert_eq!(v.get_attr("id").as_str(), Some("key-123"));
        let tags = v.get_attr("tags");
        assert_eq!(
            tags,
            &Value::Set(vec![
                Value::string("🦀"),
                Value::string("b"),
                Value::string("aé")
            ])
        );
        assert!(
            matches!(v.get_attr("big"), Value::Number(Number::Decimal(d)) if d == "123456789012345678901234567890")
        );
        assert!(matches!(v.get_attr("ratio"), Value::Number(Number::Decimal(d)) if d == "0.1"));
        assert_eq!(
            v.get_attr("count").as_number().and_then(Number::as_i64),
            Some(-42)
        );
        assert_eq!(v.get_attr("enabled").as_bool(), Some(true));
        assert!(v.get_attr("note").is_null());
        assert!(v.get_attr("absent").is_null());
        let Value::Object(m) = &v else { panic!() };
        assert_eq!(m.len(), 9, "every attribute present");
        assert!(v.is_known());
    }

    #[test]
    fn decode_state_drops_removed_attributes_and_keeps_numbers_exact() {
        let raw = br#"{"id": "x", "removed": {"deep": [1]}, "labels": {"k": "v"}, "big": 12345678901234567890123}"#;
        assert!(decode(raw, &state_type()).is_err());
        let v = decode_state(raw, &state_type()).unwrap();
        assert_eq!(v.get_attr("id").as_str(), Some("x"));
        assert!(
            matches!(v.get_attr("big"), Value::Number(Number::Decimal(d)) if d == "12345678901234567890123")
        );
        // Map keys are data, not attributes: never dropped.
        assert_eq!(
            v.get_attr("labels"),
            &Value::Map([("k".into(), Value::string("v"))].into())
        );
    }

    #[test]
    fn json_then_msgpack_keeps_big_numbers_exact() {
        let v = decode(b"18446744073709551615", &Type::Number).unwrap();
        assert_eq!(v, Value::Number(Number::UInt(u64::MAX)));
        let v = decode(b"1e400", &Type::Number).unwrap();
        let bytes = super::super::msgpack::encode(&v, &Type::Number).unwrap();
        assert_eq!(
            super::super::msgpack::decode(&bytes, &Type::Number).unwrap(),
            v
        );
    }

    #[test]
    fn applies_go_cty_conversions() {
        assert_eq!(decode(b"\"12\"", &Type::Number).unwrap(), Value::int(12));
        assert_eq!(
            decode(b"\"false\"", &Type::Bool).unwrap(),
            Value::Bool(false)
        );
        assert_eq!(
            decode(b"1.50", &Type::String).unwrap(),
            Value::string("1.50")
        );
        assert_eq!(
            decode(b"true", &Type::String).unwrap(),
            Value::string("true")
        );
        assert_eq!(decode(b" null ", &state_type()).unwrap(), Value::Null);
    }

    #[test]
    fn decodes_dynamic_and_tuples() {
        let v = decode(
            br#"{"value": ["x", 2], "type": ["tuple", ["string", "number"]]}"#,
            &Type::Dynamic,
        )
        .unwrap();
        let want = Value::Dynamic(
            Box::new(Type::Tuple(vec![Type::String, Type::Number])),
            Box::new(Value::Tuple(vec![Value::string("x"), Value::int(2)])),
        );
        assert_eq!(v, want);
        assert!(decode(br#"{"type": "string"}"#, &Type::Dynamic).is_err());
        assert!(decode(br#"{"type": "dynamic", "value": 1}"#, &Type::Dynamic).is_err());
    }

    #[test]
    fn rejects_bad_json_with_paths_and_without_contents() {
        let ty = state_type();
        let e = decode(br#"{"tags": ["a", 5, {}]}"#, &ty).unwrap_err();
        assert_eq!(e.path.to_string(), ".tags[2]");
        let e = decode(br#"{"id": "x", "mystery": 1}"#, &ty).unwrap_err();
        assert_eq!(e.path.to_string(), ".mystery");
        let e = decode(br#"{"enabled": "s3cr3t"}"#, &ty).unwrap_err();
        assert!(!e.to_string().contains("s3cr3t"), "{e}");
        for bad in [
            &b""[..],
            b"{",
            b"{\"id\": \"x\"} x",
            b"{\"id\" \"x\"}",
            b"{\"id\": \"unterminated}",
            b"{\"id\": \"bad \\q escape\"}",
            b"{\"id\": \"x\", \"id\": \"y\"}",
            b"{\"count\": 01.}",
            b"{\"count\": 1e}",
            b"{\"count\": NaN}",
            b"{\"tags\": [\"a\",]}",
            b"{\"id\": \"\xff\"}",
            b"[]",
        ] {
            assert!(
                decode(bad, &ty).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        let deep = "[".repeat(10_000);
        assert!(decode(deep.as_bytes(), &Type::list_of(Type::String)).is_err());
    }

    #[test]
    fn pseudo_random_json_never_panics() {
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let seed = br#"{"id":"a\"b","tags":["x"],"big":1.5e3,"labels":{"k":"v"},"enabled":false}"#;
        let alphabet = b"{}[]\":,\\ 0123456789.eE-+truefalsn\xc3\xa9";
        let ty = state_type();
        for round in 0..20_000 {
            let mut b = seed.to_vec();
            if round % 2 == 0 {
                for _ in 0..=(next() % 4) {
                    let i = (next() as usize) % b.len();
                    b[i] = alphabet[(next() as usize) % alphabet.len()];
                }
            } else {
                b = (0..(next() % 30))
                    .map(|_| alphabet[(next() as usize) % alphabet.len()])
                    .collect();
            }
            b.truncate((next() as usize) % (b.len() + 1));
            let _ = decode(&b, &ty);
            let _ = decode(&b, &Type::Dynamic);
        }
    }
}
