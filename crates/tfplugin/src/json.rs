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
//! into a small tree that borrows every number's raw text (and every string
//! without escapes) from the input; serde_json is only used to decode string
//! literals with escapes (surrogates and all). The conversion to a [`Value`]
//! consumes that tree, so each string is copied once, into the value. The
//! parser is bounds-checked, depth-limited and never panics.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::codec::{CodecError, Operation};
use super::path::PathStep;
use super::value::{Number, Type, Value};

/// Deepest JSON nesting accepted (bounded recursion on hostile input).
pub const MAX_DEPTH: usize = 128;

/// Decodes cty JSON `bytes` as a value of type `ty`.
///
/// Objects come back with every attribute of `ty` present (null when the
/// JSON omitted it). Never panics; rejects anything but whitespace after the
/// value.
pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, CodecError> {
    decode_with(bytes, ty, Mode::Strict)
}

/// Like [`decode`], but for stored state written under an older schema:
/// object attributes the type no longer has are dropped (at every level)
/// instead of being an error. Numbers stay exact — unlike a detour through
/// `serde_json::Value`, which would round big numbers to `f64`.
pub fn decode_state(bytes: &[u8], ty: &Type) -> Result<Value, CodecError> {
    decode_with(bytes, ty, Mode::DropUnknownAttributes)
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Strict,
    DropUnknownAttributes,
}

fn decode_with(bytes: &[u8], ty: &Type, mode: Mode) -> Result<Value, CodecError> {
    let mut p = Parser { b: bytes, i: 0 };
    let tree = p.value(0)?;
    p.ws();
    if p.i != bytes.len() {
        return Err(p.err("trailing characters after the JSON value"));
    }
    Cx { mode }.convert(tree, ty, 0)
}

/// Parsed JSON, borrowing from the input where it can.
enum Json<'a> {
    Null,
    Bool(bool),
    /// The number's text as it stands in the input.
    Num(&'a str),
    /// A string's contents: borrowed unless it had escapes.
    Str(Cow<'a, str>),
    Arr(Vec<Json<'a>>),
    /// In input order; duplicates are rejected during conversion.
    Obj(Vec<(Cow<'a, str>, Json<'a>)>),
}

struct Parser<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Parser<'a> {
    fn err(&self, what: &str) -> CodecError {
        CodecError::new(
            Operation::DecodeJson,
            format!("{what} (at byte {})", self.i),
        )
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

    fn value(&mut self, depth: usize) -> Result<Json<'a>, CodecError> {
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
                Ok(Json::Num(text))
            }
            Some(_) => Err(self.err("unexpected character")),
        }
    }

    /// A string literal starting at the current `"`. One without escapes or
    /// control characters is its own contents once checked to be UTF-8;
    /// serde_json decodes the others, which handles escapes and validation.
    fn string(&mut self) -> Result<Cow<'a, str>, CodecError> {
        let start = self.i;
        self.i += 1;
        let mut plain = true;
        loop {
            match self.b.get(self.i) {
                None => return Err(self.err("unterminated string")),
                Some(b'\\') => {
                    plain = false;
                    self.i += 2;
                }
                Some(b'"') => break,
                Some(&c) => {
                    plain &= c >= 0x20;
                    self.i += 1;
                }
            }
        }
        self.i += 1;
        let b: &'a [u8] = self.b;
        let lit = b
            .get(start..self.i)
            .ok_or_else(|| self.err("unterminated string"))?;
        if plain {
            return std::str::from_utf8(&lit[1..lit.len() - 1])
                .map(Cow::Borrowed)
                .map_err(|_| self.err("invalid string literal"));
        }
        serde_json::from_slice::<String>(lit)
            .map(Cow::Owned)
            .map_err(|_| self.err("invalid string literal"))
    }
}

/// An error at the value being converted; callers add the steps to it.
fn err(reason: impl Into<String>) -> CodecError {
    CodecError::new(Operation::DecodeJson, reason)
}

fn number(text: &str) -> Result<Value, CodecError> {
    Number::parse_decimal(text)
        .map(Value::Number)
        .ok_or_else(|| err("number is required, found a non-numeric string"))
}

/// Conversion from the parsed tree to a value of a type.
struct Cx {
    mode: Mode,
}

impl Cx {
    fn convert(&self, j: Json<'_>, ty: &Type, depth: usize) -> Result<Value, CodecError> {
        if depth > MAX_DEPTH {
            return Err(err("value nested too deeply"));
        }
        match (ty, j) {
            (_, Json::Null) => Ok(Value::Null),
            (Type::Bool, Json::Bool(b)) => Ok(Value::Bool(b)),
            (Type::Bool, Json::Str(s)) => match &*s {
                "true" => Ok(Value::Bool(true)),
                "false" => Ok(Value::Bool(false)),
                _ => Err(err(
                    "bool is required, found a string that is not \"true\"/\"false\"",
                )),
            },
            (Type::Number, Json::Num(text)) => number(text),
            (Type::Number, Json::Str(text)) => number(&text),
            (Type::String, Json::Str(s)) => Ok(Value::String(s.into_owned())),
            (Type::String, Json::Num(text)) => Ok(Value::String(text.to_owned())),
            (Type::String, Json::Bool(b)) => Ok(Value::String(b.to_string())),
            (Type::List(et), Json::Arr(items)) => self.elements(items, et, depth).map(Value::List),
            (Type::Set(et), Json::Arr(items)) => self.elements(items, et, depth).map(Value::Set),
            (Type::Tuple(ets), Json::Arr(items)) => {
                if items.len() != ets.len() {
                    return Err(err(format!(
                        "tuple of {} elements is required, found {}",
                        ets.len(),
                        items.len()
                    )));
                }
                let mut out = Vec::with_capacity(items.len());
                for (i, (item, et)) in items.into_iter().zip(ets).enumerate() {
                    let v = self.convert(item, et, depth + 1);
                    out.push(v.map_err(|e| e.under(PathStep::index(i)))?);
                }
                Ok(Value::Tuple(out))
            }
            (Type::Map(et), Json::Obj(members)) => {
                let mut out = BTreeMap::new();
                for (k, item) in members {
                    let v = self.convert(item, et, depth + 1);
                    let v = v.map_err(|e| e.under(PathStep::ElementKeyString(k.to_string())))?;
                    let k = k.into_owned();
                    if out.contains_key(&k) {
                        return Err(err("duplicate map key").under(PathStep::ElementKeyString(k)));
                    }
                    out.insert(k, v);
                }
                Ok(Value::Map(out))
            }
            (Type::Object(attrs), Json::Obj(members)) => {
                let mut out = BTreeMap::new();
                for (k, item) in members {
                    // The schema's own name is the one copied into the value.
                    let Some((name, aty)) = attrs.get_key_value(&*k) else {
                        if self.mode == Mode::DropUnknownAttributes {
                            continue;
                        }
                        return Err(
                            err("unsupported attribute").under(PathStep::Attribute(k.into()))
                        );
                    };
                    let v = self.convert(item, aty, depth + 1);
                    let v = v.map_err(|e| e.under(PathStep::Attribute(name.clone())))?;
                    if out.insert(name.clone(), v).is_some() {
                        return Err(
                            err("duplicate attribute").under(PathStep::Attribute(name.clone()))
                        );
                    }
                }
                if out.len() < attrs.len() {
                    for name in attrs.keys() {
                        if !out.contains_key(name) {
                            out.insert(name.clone(), Value::Null);
                        }
                    }
                }
                Ok(Value::Object(out))
            }
            (Type::Dynamic, Json::Obj(members)) => self.dynamic(members, depth),
            (ty, j) => Err(err(format!(
                "{} is required, found {}",
                type_name(ty),
                json_kind(&j)
            ))),
        }
    }

    fn elements(
        &self,
        items: Vec<Json<'_>>,
        et: &Type,
        depth: usize,
    ) -> Result<Vec<Value>, CodecError> {
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.into_iter().enumerate() {
            let v = self.convert(item, et, depth + 1);
            out.push(v.map_err(|e| e.under(PathStep::index(i)))?);
        }
        Ok(out)
    }

    /// `{"type": T, "value": V}` — exactly these two keys.
    fn dynamic(
        &self,
        members: Vec<(Cow<'_, str>, Json<'_>)>,
        depth: usize,
    ) -> Result<Value, CodecError> {
        let (mut ty, mut val) = (None, None);
        for (k, item) in members {
            match &*k {
                "type" if ty.is_none() => ty = Some(item),
                "value" if val.is_none() => val = Some(item),
                _ => {
                    return Err(err(
                        "dynamic value must have exactly the keys \"type\" and \"value\"",
                    ));
                }
            }
        }
        let (Some(ty), Some(val)) = (ty, val) else {
            return Err(err(
                "dynamic value must have exactly the keys \"type\" and \"value\"",
            ));
        };
        let ty = Type::from_json(&to_serde(&ty, 0))
            .map_err(|e| err(format!("dynamic value type: {e}")))?;
        if ty == Type::Dynamic {
            return Err(err("dynamic value's concrete type is itself dynamic"));
        }
        let v = self.convert(val, &ty, depth + 1)?;
        Ok(Value::Dynamic(Box::new(ty), Box::new(v)))
    }
}

/// Enough of a serde_json tree for [`Type::from_json`]; types contain no
/// numbers, so numbers (and anything too deep) become null and are rejected
/// there.
fn to_serde(j: &Json<'_>, depth: usize) -> serde_json::Value {
    use serde_json::Value as S;
    if depth > MAX_DEPTH {
        return S::Null;
    }
    match j {
        Json::Null | Json::Num(_) => S::Null,
        Json::Bool(b) => S::Bool(*b),
        Json::Str(s) => S::String(s.to_string()),
        Json::Arr(items) => S::Array(items.iter().map(|i| to_serde(i, depth + 1)).collect()),
        Json::Obj(m) => S::Object(
            m.iter()
                .map(|(k, v)| (k.to_string(), to_serde(v, depth + 1)))
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

fn json_kind(j: &Json<'_>) -> &'static str {
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
        assert_eq!(e.path.to_string(), "tags[2]");
        let e = decode(br#"{"id": "x", "mystery": 1}"#, &ty).unwrap_err();
        assert_eq!(e.path.to_string(), "mystery");
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

    /// A state with characters changed and cut off, or JSON characters
    /// strung together, must only ever produce `Ok` or `Err` — and what the
    /// strict decoder accepts, the lenient state decoder accepts as is.
    mod damaged {
        use super::*;
        use proptest::prelude::*;
        use proptest::sample::Index;

        const SEED: &[u8] =
            br#"{"id":"a\"b","tags":["x"],"big":1.5e3,"labels":{"k":"v"},"enabled":false}"#;

        fn json_byte() -> impl Strategy<Value = u8> {
            prop::sample::select(b"{}[]\":,\\ 0123456789.eE-+truefalsn\xc3\xa9".to_vec())
        }

        fn input() -> impl Strategy<Value = Vec<u8>> {
            let changed_seed = prop::collection::vec((any::<Index>(), json_byte()), 1..=4)
                .prop_map(|changes| {
                    let mut bytes = SEED.to_vec();
                    for (at, byte) in changes {
                        let i = at.index(bytes.len());
                        bytes[i] = byte;
                    }
                    bytes
                });
            let soup = prop::collection::vec(json_byte(), 0..30);
            (prop_oneof![changed_seed, soup], any::<Index>()).prop_map(|(mut bytes, cut)| {
                bytes.truncate(cut.index(bytes.len() + 1));
                bytes
            })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(20_000))]

            #[test]
            fn json_never_panics(bytes in input()) {
                let ty = state_type();
                if let Ok(v) = decode(&bytes, &ty) {
                    prop_assert_eq!(decode_state(&bytes, &ty), Ok(v));
                }
                let _ = decode(&bytes, &Type::Dynamic);
            }
        }
    }
}
