//! Terraform (cty) types and values as plain Rust data.
//!
//! Terraform exchanges resource data as `DynamicValue`s: msgpack (or, for stored
//! state, JSON) whose shape is only meaningful together with the schema type.
//! This module holds the two halves that the codecs in
//! [`super::msgpack`] and [`super::json`] translate between:
//!
//! * [`Type`] — a cty type, spelled in JSON exactly as Terraform's schema JSON
//!   spells it (`"string"`, `["set","string"]`, `["object",{...}]`, `"dynamic"`).
//! * [`Value`] — a value of such a type, which may be null, unknown (with
//!   optional [`Refinements`]) or known. A `Value` is 32 bytes: the rare,
//!   large refinements live behind a box, so a null or a bool inside a big
//!   object costs no more than a string does.
//!
//! Numbers are kept exact ([`Number`]): cty numbers are arbitrary-precision
//! decimals, and a provider must hand back exactly what it was given, so
//! anything that is not an `i64`/`u64`/`f64` is kept as its decimal text.

use std::collections::BTreeMap;
use std::fmt;

/// A cty type as Terraform's schema JSON spells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Type {
    /// `"bool"`
    Bool,
    /// `"number"` — arbitrary-precision decimal.
    Number,
    /// `"string"`
    String,
    /// `"dynamic"` — the concrete type travels with the value.
    Dynamic,
    /// `["list", T]`
    List(Box<Type>),
    /// `["set", T]`
    Set(Box<Type>),
    /// `["map", T]`
    Map(Box<Type>),
    /// `["object", {name: T, ...}]`
    Object(BTreeMap<String, Type>),
    /// `["tuple", [T, ...]]` — needed mainly because dynamic values may carry it.
    Tuple(Vec<Type>),
}

/// Why a type's JSON spelling was not understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeError(String);

impl fmt::Display for TypeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid type JSON: {}", self.0)
    }
}

impl std::error::Error for TypeError {}

/// Type JSON nests at most this deep; deeper input is rejected rather than
/// risking stack exhaustion on hostile input.
const MAX_TYPE_DEPTH: usize = 64;

impl Type {
    /// `["list", elem]`
    pub fn list_of(elem: Type) -> Type {
        Type::List(Box::new(elem))
    }

    /// `["set", elem]`
    pub fn set_of(elem: Type) -> Type {
        Type::Set(Box::new(elem))
    }

    /// `["map", elem]`
    pub fn map_of(elem: Type) -> Type {
        Type::Map(Box::new(elem))
    }

    /// `["object", {...}]` from `(name, type)` pairs.
    pub fn object<I, S>(attrs: I) -> Type
    where
        I: IntoIterator<Item = (S, Type)>,
        S: Into<String>,
    {
        Type::Object(attrs.into_iter().map(|(k, t)| (k.into(), t)).collect())
    }

    /// True for list, set and map — the types that length refinements apply to.
    pub fn is_collection(&self) -> bool {
        matches!(self, Type::List(_) | Type::Set(_) | Type::Map(_))
    }

    /// The type's JSON spelling, as used in schemas and in dynamic values.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Type::Bool => J::from("bool"),
            Type::Number => J::from("number"),
            Type::String => J::from("string"),
            Type::Dynamic => J::from("dynamic"),
            Type::List(t) => J::Array(vec![J::from("list"), t.to_json()]),
            Type::Set(t) => J::Array(vec![J::from("set"), t.to_json()]),
            Type::Map(t) => J::Array(vec![J::from("map"), t.to_json()]),
            Type::Object(attrs) => {
                let m = attrs
                    .iter()
                    .map(|(k, t)| (k.clone(), t.to_json()))
                    .collect();
                J::Array(vec![J::from("object"), J::Object(m)])
            }
            Type::Tuple(elems) => J::Array(vec![
                J::from("tuple"),
                J::Array(elems.iter().map(Type::to_json).collect()),
            ]),
        }
    }

    /// Parses a type's JSON spelling.
    ///
    /// An object type's optional third element (the list of optional
    /// attributes, used only in type constraints) is accepted and ignored.
    pub fn from_json(json: &serde_json::Value) -> Result<Type, TypeError> {
        Self::from_json_at(json, 0)
    }

    fn from_json_at(json: &serde_json::Value, depth: usize) -> Result<Type, TypeError> {
        use serde_json::Value as J;
        if depth > MAX_TYPE_DEPTH {
            return Err(TypeError("nested too deeply".into()));
        }
        match json {
            J::String(s) => match s.as_str() {
                "bool" => Ok(Type::Bool),
                "number" => Ok(Type::Number),
                "string" => Ok(Type::String),
                "dynamic" => Ok(Type::Dynamic),
                _ => Err(TypeError("unknown primitive type name".into())),
            },
            J::Array(parts) => {
                let kind = parts.first().and_then(J::as_str).unwrap_or_default();
                let arg = parts.get(1);
                let extra_ok = match kind {
                    "object" => parts.len() <= 3,
                    _ => parts.len() == 2,
                };
                let Some(arg) = arg.filter(|_| extra_ok) else {
                    return Err(TypeError(
                        "wrong number of elements in compound type".into(),
                    ));
                };
                let elem = |j| Self::from_json_at(j, depth + 1).map(Box::new);
                match kind {
                    "list" => Ok(Type::List(elem(arg)?)),
                    "set" => Ok(Type::Set(elem(arg)?)),
                    "map" => Ok(Type::Map(elem(arg)?)),
                    "object" => {
                        let J::Object(attrs) = arg else {
                            return Err(TypeError(
                                "object attributes must be a JSON object".into(),
                            ));
                        };
                        let mut out = BTreeMap::new();
                        for (k, v) in attrs {
                            out.insert(k.clone(), Self::from_json_at(v, depth + 1)?);
                        }
                        Ok(Type::Object(out))
                    }
                    "tuple" => {
                        let J::Array(elems) = arg else {
                            return Err(TypeError("tuple elements must be a JSON array".into()));
                        };
                        let elems = elems
                            .iter()
                            .map(|e| Self::from_json_at(e, depth + 1))
                            .collect::<Result<_, _>>()?;
                        Ok(Type::Tuple(elems))
                    }
                    _ => Err(TypeError("unknown compound type kind".into())),
                }
            }
            _ => Err(TypeError("expected a string or an array".into())),
        }
    }
}

/// A cty number, kept exact.
///
/// Constructors normalise so that each number has one spelling where it
/// matters: integers that fit `i64` are `Int`, larger non-negative integers
/// that fit `u64` are `UInt`, and everything else parsed from text is
/// `Decimal`.
#[derive(Debug, Clone)]
pub enum Number {
    /// An integer in `i64` range.
    Int(i64),
    /// An integer above `i64::MAX` (only; smaller ones are `Int`).
    UInt(u64),
    /// A binary float, as msgpack delivers it. Never NaN (cty has no NaN);
    /// may be ±infinity.
    Float(f64),
    /// Exact decimal text (`-?digits[.digits][e[+-]digits]`) for anything
    /// else: huge integers, decimals that are not exact binary floats.
    Decimal(String),
}

impl Number {
    /// From an unsigned integer, normalised to `Int` when it fits.
    pub fn from_u64(n: u64) -> Number {
        match i64::try_from(n) {
            Ok(i) => Number::Int(i),
            Err(_) => Number::UInt(n),
        }
    }

    /// Parses decimal text as cty writes it (`-12`, `1.5`, `1e100`,
    /// `123456789012345678901234567890`). Integers are normalised to
    /// `Int`/`UInt`; anything else is kept verbatim as `Decimal`. Returns
    /// `None` for text that is not a plain decimal number.
    pub fn parse_decimal(text: &str) -> Option<Number> {
        if !is_decimal_syntax(text) {
            return None;
        }
        if let Ok(i) = text.parse::<i64>() {
            return Some(Number::Int(i));
        }
        if let Ok(u) = text.parse::<u64>() {
            return Some(Number::UInt(u));
        }
        Some(Number::Decimal(text.to_owned()))
    }

    /// The value as `i64`, if it is exactly an integer in range.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Number::Int(i) => Some(*i),
            Number::UInt(_) => None,
            Number::Float(f) => float_as_i64(*f),
            // Decimal never holds a plain integer in range (normalised), but
            // it may spell one as "1.0" or "1e3".
            Number::Decimal(s) => decimal_as_i128(s).and_then(|i| i64::try_from(i).ok()),
        }
    }

    /// The value as `u64`, if it is exactly a non-negative integer in range.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Number::UInt(u) => Some(*u),
            Number::Decimal(s) => decimal_as_i128(s).and_then(|i| u64::try_from(i).ok()),
            _ => self.as_i64().and_then(|i| u64::try_from(i).ok()),
        }
    }

    /// The value as `f64`, possibly rounded (`Decimal` text is parsed).
    pub fn as_f64_lossy(&self) -> f64 {
        match self {
            Number::Int(i) => *i as f64,
            Number::UInt(u) => *u as f64,
            Number::Float(f) => *f,
            Number::Decimal(s) => s.parse().unwrap_or(f64::NAN),
        }
    }
}

/// 2^63 as f64 (exact).
const TWO_63: f64 = 9_223_372_036_854_775_808.0;

/// `Some(i)` when `f` is an integer exactly representable as `i64`.
fn float_as_i64(f: f64) -> Option<i64> {
    // -2^63 is exact in f64; 2^63 is the first value past i64::MAX.
    (f.fract() == 0.0 && (-TWO_63..TWO_63).contains(&f)).then_some(f as i64)
}

/// Exact integer value of decimal text, if it is an integer that fits `i128`.
/// Done on the digits (not via `f64`) so that e.g. `1.0000000000000000001`
/// is correctly *not* an integer.
fn decimal_as_i128(s: &str) -> Option<i128> {
    if !is_decimal_syntax(s) {
        return None;
    }
    let (neg, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (mantissa, exp) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], body[i + 1..].parse::<i64>().ok()?),
        None => (body, 0),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits: String = [int_part, frac_part].concat();
    if digits.bytes().all(|b| b == b'0') {
        return Some(0);
    }
    // Position of the decimal point within `digits` after applying exp.
    let point = i64::try_from(int_part.len()).ok()?.checked_add(exp)?;
    if point <= 0 || point > 60 {
        return None; // |value| < 1 (and non-zero) or far beyond i128
    }
    let point = usize::try_from(point).ok()?;
    let (whole, rest) = if point >= digits.len() {
        (
            digits.clone() + &"0".repeat(point - digits.len()),
            String::new(),
        )
    } else {
        (digits[..point].to_string(), digits[point..].to_string())
    };
    if !rest.bytes().all(|b| b == b'0') {
        return None;
    }
    let magnitude: i128 = whole.trim_start_matches('0').parse().ok()?;
    Some(if neg { -magnitude } else { magnitude })
}

/// JSON-number grammar without leading `+` (what cty's `ParseNumberVal`
/// round-trips): `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
/// Leading zeros are tolerated since big.Float accepts them.
pub(crate) fn is_decimal_syntax(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i > start
    };
    if !digits(&mut i) {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if !digits(&mut i) {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !digits(&mut i) {
            return false;
        }
    }
    i == b.len()
}

/// Numeric equality where it is cheap to be exact: integers compare by value
/// across `Int`/`UInt`/integral `Decimal`s, a `Float` equals an integer it
/// represents exactly, and non-integral `Decimal`s compare by text (so
/// `"1.50"` ≠ `"1.5"`, and a `Decimal` never equals a non-integral `Float`).
impl PartialEq for Number {
    fn eq(&self, other: &Number) -> bool {
        use Number::*;
        match (self, other) {
            (Int(a), Int(b)) => a == b,
            (UInt(a), UInt(b)) => a == b,
            (Int(a), UInt(b)) | (UInt(b), Int(a)) => i128::from(*a) == i128::from(*b),
            (Float(a), Float(b)) => a == b,
            (Float(f), Int(i)) | (Int(i), Float(f)) => float_as_i64(*f) == Some(*i),
            // Only floats in [2^63, 2^64) can equal a UInt; the cast is exact there.
            (Float(f), UInt(u)) | (UInt(u), Float(f)) => {
                f.fract() == 0.0 && (TWO_63..2.0 * TWO_63).contains(f) && *f as u64 == *u
            }
            // Decimals that spell integers ("1.0", "1e3") equal those integers.
            (Decimal(d), Int(i)) | (Int(i), Decimal(d)) => {
                decimal_as_i128(d) == Some(i128::from(*i))
            }
            (Decimal(d), UInt(u)) | (UInt(u), Decimal(d)) => {
                decimal_as_i128(d) == Some(i128::from(*u))
            }
            (Decimal(a), Decimal(b)) => {
                a == b || decimal_as_i128(a).is_some_and(|x| decimal_as_i128(b) == Some(x))
            }
            (Decimal(_), Float(_)) | (Float(_), Decimal(_)) => false,
        }
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Number::Int(i) => write!(f, "{i}"),
            Number::UInt(u) => write!(f, "{u}"),
            Number::Float(x) => write!(f, "{x}"),
            Number::Decimal(s) => f.write_str(s),
        }
    }
}

impl From<i64> for Number {
    fn from(i: i64) -> Number {
        Number::Int(i)
    }
}

/// What Terraform knows about a value it does not know yet (cty "refinements").
///
/// On the wire (msgpack extension type 12, see [`super::msgpack`]) each field
/// is a separate entry; absent fields mean "nothing known".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Refinements {
    /// The eventual value is definitely not null.
    pub not_null: bool,
    /// Strings only: the eventual value starts with this (non-empty) prefix.
    pub string_prefix: Option<String>,
    /// Numbers only: lower bound and whether it is inclusive.
    pub number_lower: Option<(Number, bool)>,
    /// Numbers only: upper bound and whether it is inclusive.
    pub number_upper: Option<(Number, bool)>,
    /// Lists, sets, maps only: minimum number of elements.
    pub length_lower: Option<u64>,
    /// Lists, sets, maps only: maximum number of elements.
    pub length_upper: Option<u64>,
}

/// Nothing known: what [`Value::refinements`] lends for a wholly unknown value.
static NO_REFINEMENTS: Refinements = Refinements {
    not_null: false,
    string_prefix: None,
    number_lower: None,
    number_upper: None,
    length_lower: None,
    length_upper: None,
};

impl Refinements {
    /// True when nothing is known (the value is wholly unknown).
    pub fn is_empty(&self) -> bool {
        *self == NO_REFINEMENTS
    }
}

/// A cty value. Its meaning depends on the [`Type`] it is paired with.
#[derive(Debug, Clone)]
pub enum Value {
    /// A null of whatever type the schema says.
    Null,
    /// Not known until apply; possibly with refinements. `None` (what
    /// [`Value::unknown`] makes and the decoder produces) means nothing is
    /// known and costs no allocation; `Some` of empty refinements means the
    /// same and compares equal to it. Build refined ones with
    /// [`Value::unknown_refined`].
    Unknown(Option<Box<Refinements>>),
    /// A known bool.
    Bool(bool),
    /// A known number.
    Number(Number),
    /// A known string.
    String(String),
    /// A known list.
    List(Vec<Value>),
    /// A known set; element order is whatever arrived (see [`PartialEq`]).
    Set(Vec<Value>),
    /// A known map.
    Map(BTreeMap<String, Value>),
    /// A known object. Decoders fill every attribute of the type (null when
    /// absent); [`Value::get_attr`] also treats a missing key as null.
    Object(BTreeMap<String, Value>),
    /// A known tuple.
    Tuple(Vec<Value>),
    /// A value of a `"dynamic"` schema type together with the concrete type
    /// that travelled with it on the wire (the inner value may itself be null
    /// or unknown *of that type*). A plain `Null`/`Unknown` at a dynamic
    /// position means null/unknown of unknown type.
    Dynamic(Box<Type>, Box<Value>),
}

/// The shared null that [`Value::get_attr`] returns for missing attributes.
static NULL: Value = Value::Null;

/// Null: what an absent value means on the wire.
impl Default for Value {
    fn default() -> Self {
        Value::Null
    }
}

impl Value {
    /// A wholly unknown value (no refinements).
    pub fn unknown() -> Value {
        Value::Unknown(None)
    }

    /// An unknown value with what is known about it; boxes the refinements
    /// only when there are some.
    pub fn unknown_refined(refinements: Refinements) -> Value {
        if refinements.is_empty() {
            Value::Unknown(None)
        } else {
            Value::Unknown(Some(Box::new(refinements)))
        }
    }

    /// What is known about an unknown value (empty refinements when nothing
    /// is); `None` when this is not an unknown. A dynamic wrapper is looked
    /// through.
    pub fn refinements(&self) -> Option<&Refinements> {
        match self {
            Value::Unknown(r) => Some(r.as_deref().unwrap_or(&NO_REFINEMENTS)),
            Value::Dynamic(_, v) => v.refinements(),
            _ => None,
        }
    }

    /// A known string.
    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    /// A known integer.
    pub fn int(i: i64) -> Value {
        Value::Number(Number::Int(i))
    }

    /// Is this null? (A dynamic wrapper is looked through.)
    pub fn is_null(&self) -> bool {
        match self {
            Value::Null => true,
            Value::Dynamic(_, v) => v.is_null(),
            _ => false,
        }
    }

    /// Is this value itself unknown? (Does not look inside collections.)
    pub fn is_unknown(&self) -> bool {
        match self {
            Value::Unknown(_) => true,
            Value::Dynamic(_, v) => v.is_unknown(),
            _ => false,
        }
    }

    /// Is this value wholly known, i.e. no unknown anywhere inside it?
    pub fn is_known(&self) -> bool {
        match self {
            Value::Unknown(_) => false,
            Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => true,
            Value::List(v) | Value::Set(v) | Value::Tuple(v) => v.iter().all(Value::is_known),
            Value::Map(m) | Value::Object(m) => m.values().all(Value::is_known),
            Value::Dynamic(_, v) => v.is_known(),
        }
    }

    /// The string, if this is a known string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            Value::Dynamic(_, v) => v.as_str(),
            _ => None,
        }
    }

    /// The bool, if this is a known bool.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            Value::Dynamic(_, v) => v.as_bool(),
            _ => None,
        }
    }

    /// The number, if this is a known number.
    pub fn as_number(&self) -> Option<&Number> {
        match self {
            Value::Number(n) => Some(n),
            Value::Dynamic(_, v) => v.as_number(),
            _ => None,
        }
    }

    /// The elements, if this is a known list, set or tuple.
    pub fn as_elements(&self) -> Option<&[Value]> {
        match self {
            Value::List(v) | Value::Set(v) | Value::Tuple(v) => Some(v),
            Value::Dynamic(_, v) => v.as_elements(),
            _ => None,
        }
    }

    /// An object's attribute; [`Value::Null`] when the attribute is missing or
    /// this is not a known object (null or unknown objects included — callers
    /// check those first when the difference matters).
    pub fn get_attr(&self, name: &str) -> &Value {
        match self {
            Value::Object(m) => m.get(name).unwrap_or(&NULL),
            Value::Dynamic(_, v) => v.get_attr(name),
            _ => &NULL,
        }
    }
}

/// Structural equality. Sets compare as multisets (element order ignored,
/// duplicates counted), since cty sets are unordered; everything else compares
/// in order. Objects compare with missing attributes equal to null, matching
/// [`Value::get_attr`]. Unknowns compare by their refinements.
impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        use Value::*;
        match (self, other) {
            (Null, Null) => true,
            (Unknown(_), Unknown(_)) => self.refinements() == other.refinements(),
            (Bool(a), Bool(b)) => a == b,
            (Number(a), Number(b)) => a == b,
            (String(a), String(b)) => a == b,
            (List(a), List(b)) | (Tuple(a), Tuple(b)) => a == b,
            (Set(a), Set(b)) => multiset_eq(a, b),
            (Map(a), Map(b)) => a == b,
            (Object(a), Object(b)) => {
                let keys = a.keys().chain(b.keys());
                keys.into_iter()
                    .all(|k| self.get_attr(k) == other.get_attr(k))
            }
            (Dynamic(ta, va), Dynamic(tb, vb)) => ta == tb && va == vb,
            _ => false,
        }
    }
}

/// Order-insensitive comparison; quadratic, which is fine for the small sets
/// a provider sees and avoids needing `Ord`/`Hash` on values holding floats.
fn multiset_eq(a: &[Value], b: &[Value]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut used = vec![false; b.len()];
    a.iter().all(|x| {
        let hit = b.iter().enumerate().position(|(i, y)| !used[i] && x == y);
        hit.map(|i| used[i] = true).is_some()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn type_json_round_trip() {
        let ty = Type::object([
            ("id", Type::String),
            ("n", Type::Number),
            ("flag", Type::Bool),
            ("tags", Type::set_of(Type::String)),
            ("l", Type::list_of(Type::map_of(Type::Number))),
            ("t", Type::Tuple(vec![Type::String, Type::Dynamic])),
        ]);
        let j = ty.to_json();
        assert_eq!(j["object"], serde_json::Value::Null); // sanity: it's an array
        assert_eq!(j[1]["tags"], json!(["set", "string"]));
        assert_eq!(Type::from_json(&j).unwrap(), ty);
    }

    #[test]
    fn type_json_accepts_optional_attrs_and_rejects_garbage() {
        let j = json!(["object", {"a": "string"}, ["a"]]);
        assert_eq!(
            Type::from_json(&j).unwrap(),
            Type::object([("a", Type::String)])
        );
        for bad in [
            json!("strin"),
            json!(["list"]),
            json!(["list", "string", "x"]),
            json!(["object", []]),
            json!(7),
            json!(["frob", "string"]),
        ] {
            assert!(Type::from_json(&bad).is_err(), "{bad}");
        }
        let mut deep = json!("string");
        for _ in 0..100 {
            deep = json!(["list", deep]);
        }
        assert!(Type::from_json(&deep).is_err());
    }

    #[test]
    fn number_parsing_and_conversions() {
        assert_eq!(Number::parse_decimal("-5"), Some(Number::Int(-5)));
        assert!(matches!(
            Number::parse_decimal("18446744073709551615"),
            Some(Number::UInt(u64::MAX))
        ));
        assert!(matches!(
            Number::parse_decimal("18446744073709551616"),
            Some(Number::Decimal(_))
        ));
        assert!(matches!(
            Number::parse_decimal("1.25e-3"),
            Some(Number::Decimal(_))
        ));
        for bad in ["", "-", "1.", ".5", "+1", "1e", "0x10", "1 ", "NaN", "inf"] {
            assert_eq!(Number::parse_decimal(bad), None, "{bad:?}");
        }
        assert_eq!(Number::Float(3.0).as_i64(), Some(3));
        assert_eq!(Number::Float(3.5).as_i64(), None);
        assert_eq!(Number::Int(-1).as_u64(), None);
        assert_eq!(Number::UInt(u64::MAX).as_u64(), Some(u64::MAX));
        assert_eq!(Number::Decimal("1e3".into()).as_i64(), Some(1000));
        assert_eq!(Number::Float(9.3e18).as_i64(), None);
        assert_eq!(Number::Decimal("-2.50e1".into()).as_i64(), Some(-25));
        assert_eq!(Number::Decimal("2.55e1".into()).as_i64(), None);
        assert_eq!(Number::Decimal("-2.500e3".into()).as_i64(), Some(-2500));
        assert_eq!(
            Number::Decimal("1.0000000000000000001".into()).as_i64(),
            None
        );
        assert_eq!(Number::Decimal("1e999999999999".into()).as_i64(), None);
        assert_eq!(
            Number::Decimal("1.8446744073709551615e19".into()).as_u64(),
            Some(u64::MAX)
        );
        assert_eq!(Number::Float(2.0), Number::Int(2));
        assert_eq!(Number::Int(2), Number::from_u64(2));
        assert_eq!(Number::Decimal("2.0".into()), Number::Int(2));
        assert_eq!(
            Number::Decimal("2e0".into()),
            Number::Decimal("2.00".into())
        );
        assert_ne!(
            Number::Decimal("2.5".into()),
            Number::Decimal("2.50".into())
        );
        assert_ne!(Number::Decimal("2.5".into()), Number::Int(2));
    }

    #[test]
    fn value_helpers() {
        let obj = Value::Object(BTreeMap::from([
            ("a".to_string(), Value::string("x")),
            ("b".to_string(), Value::List(vec![Value::unknown()])),
        ]));
        assert_eq!(obj.get_attr("a").as_str(), Some("x"));
        assert!(obj.get_attr("missing").is_null());
        assert!(!obj.is_known());
        assert!(!obj.is_unknown());
        assert!(Value::Null.is_known());
        assert!(Refinements::default().is_empty());
        let r = Refinements {
            not_null: true,
            ..Default::default()
        };
        assert!(!r.is_empty());
    }

    /// Values fill every object, list and plan; the issue that boxed the
    /// refinements measured 128 bytes before.
    #[test]
    fn a_value_is_at_most_32_bytes() {
        assert!(
            std::mem::size_of::<Value>() <= 32,
            "Value is {} bytes",
            std::mem::size_of::<Value>()
        );
    }

    #[test]
    fn unknowns_box_only_real_refinements() {
        assert!(matches!(Value::unknown(), Value::Unknown(None)));
        assert!(matches!(
            Value::unknown_refined(Refinements::default()),
            Value::Unknown(None)
        ));
        let nn = Refinements {
            not_null: true,
            ..Default::default()
        };
        let refined = Value::unknown_refined(nn.clone());
        assert_eq!(refined.refinements(), Some(&nn));
        assert_eq!(
            Value::unknown().refinements(),
            Some(&Refinements::default())
        );
        assert_eq!(Value::Null.refinements(), None);
        // Empty refinements, boxed or not, are the same wholly unknown value.
        let boxed_empty = Value::Unknown(Some(Box::default()));
        assert_eq!(boxed_empty, Value::unknown());
        assert_ne!(refined, Value::unknown());
        let wrapped = Value::Dynamic(Box::new(Type::String), Box::new(refined.clone()));
        assert_eq!(wrapped.refinements(), Some(&nn));
    }

    #[test]
    fn sets_compare_as_multisets_and_objects_treat_missing_as_null() {
        let a = Value::Set(vec![Value::int(1), Value::int(2), Value::int(2)]);
        let b = Value::Set(vec![Value::int(2), Value::int(1), Value::int(2)]);
        let c = Value::Set(vec![Value::int(2), Value::int(1), Value::int(1)]);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(
            Value::List(vec![Value::int(1), Value::int(2)]),
            Value::List(vec![Value::int(2), Value::int(1)])
        );
        let o1 = Value::Object(BTreeMap::from([("x".to_string(), Value::Null)]));
        let o2 = Value::Object(BTreeMap::new());
        assert_eq!(o1, o2);
    }
}
