//! cty values in msgpack — the form Terraform uses for every `DynamicValue`
//! it sends, and the only form we answer in.
//!
//! The encoding is schema-driven: the bytes alone do not say whether an array
//! is a list or a set, or a map a map or an object, so both directions take
//! the [`Type`]. The format (as go-cty's `cty/msgpack` package defines it):
//!
//! * null is msgpack nil; bool, string as usual; list/set/tuple are arrays;
//!   map/object are maps with string keys. An object carries **every**
//!   attribute of its type (nil for null), sorted by name.
//! * A number is an int (signed or unsigned) when it is an exact integer, a
//!   float64 when it is an exact binary float, else its decimal text.
//! * An unknown is any msgpack *extension*. A wholly unknown value is written
//!   as the 1-byte fixext `d4 00 00`. A *refined* unknown is extension type
//!   12 whose payload is a msgpack map with small-integer keys:
//!   `1` → bool (false = definitely not null; true = definitely null),
//!   `2` → string prefix (strings),
//!   `3`/`4` → `[number, bool inclusive]` lower/upper bound (numbers),
//!   `5`/`6` → integer lower/upper length bound (lists, sets, maps).
//!   Unknown keys are skipped, trailing payload bytes ignored, payloads over
//!   1 KiB refused — all as go-cty does (`cty/msgpack/unknown.go`).
//! * A value of `"dynamic"` type is a 2-element array
//!   `[type JSON as bytes, value encoded with that type]`.
//!
//! The decoder works on a byte slice with explicit bounds checks, so hostile
//! input can only produce errors: a length reserves no more room than the
//! remaining input could fill (every element costs at least one input byte,
//! so a lying length runs out of input), nesting is capped at [`MAX_DEPTH`],
//! and trailing bytes are rejected.
//!
//! Neither direction tracks where it is while things go well: an error
//! collects its [`AttributePath`](crate::AttributePath) as it travels back up (see `CodecError::under`), so
//! decoding and encoding an object copy no attribute name for a path that is
//! only printed when something is wrong.

use std::collections::BTreeMap;
use std::fmt;

use rmp::Marker;
use rmp::encode as w;

use super::codec::{CodecError, Operation};
use super::path::PathStep;
use super::value::{Number, Refinements, Type, Value};

/// Deepest nesting the decoder follows. Terraform schemas are far shallower;
/// the cap only exists to keep recursion bounded on hostile input.
pub const MAX_DEPTH: usize = 128;

/// msgpack extension type of a refined unknown.
const EXT_REFINED_UNKNOWN: i8 = 12;
/// go-cty refuses refinement payloads above this size; so do we.
const MAX_REFINEMENT_LEN: usize = 1024;

/// Refinement map keys (see the module documentation).
const RFN_NULLNESS: i64 = 1;
const RFN_STRING_PREFIX: i64 = 2;
const RFN_NUMBER_MIN: i64 = 3;
const RFN_NUMBER_MAX: i64 = 4;
const RFN_LENGTH_MIN: i64 = 5;
const RFN_LENGTH_MAX: i64 = 6;

/// The bytes of a wholly unknown value: fixext1, type 0, payload 0.
const UNKNOWN_BYTES: [u8; 3] = [0xd4, 0x00, 0x00];

/// Decodes msgpack `bytes` as a value of type `ty`.
///
/// Objects come back with every attribute of `ty` present (null when the
/// input omitted it). Never panics; rejects trailing bytes.
pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, CodecError> {
    let mut d = Decoder { buf: bytes, pos: 0 };
    let v = d.value(ty, 0)?;
    if d.pos != bytes.len() {
        return Err(d.err(format!(
            "{} trailing byte(s) after the value",
            bytes.len() - d.pos
        )));
    }
    Ok(v)
}

/// Encodes `value` as type `ty`.
///
/// Writes every object attribute of `ty` (nil where the value lacks it) and
/// rejects values that do not conform to `ty`, naming the offending path.
pub fn encode(value: &Value, ty: &Type) -> Result<Vec<u8>, CodecError> {
    let mut e = Encoder {
        // Most values Terraform exchanges with a provider are a few hundred bytes.
        out: Vec::with_capacity(256),
    };
    e.value(value, ty)?;
    Ok(e.out)
}

// ---------------------------------------------------------------- decoding

struct Decoder<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Decoder<'a> {
    /// An error here; callers above add the steps that led here.
    fn err(&self, reason: impl Into<String>) -> CodecError {
        CodecError::new(Operation::DecodeMsgpack, reason)
    }

    /// Room to reserve for `n` elements: `n` is untrusted, but each element
    /// consumes at least one input byte, so never more than the input left
    /// could fill — no more than a genuine value of that size would take.
    fn capacity(&self, n: usize) -> usize {
        n.min(self.buf.len() - self.pos)
    }

    fn peek(&self) -> Result<Marker, CodecError> {
        match self.buf.get(self.pos) {
            Some(b) => Ok(Marker::from_u8(*b)),
            None => Err(self.err("unexpected end of input")),
        }
    }

    fn marker(&mut self) -> Result<Marker, CodecError> {
        let m = self.peek()?;
        self.pos += 1;
        Ok(m)
    }

    /// Takes `n` bytes, failing (not allocating) if fewer remain.
    fn take(&mut self, n: usize) -> Result<&'a [u8], CodecError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len());
        let Some(end) = end else {
            return Err(self.err("unexpected end of input"));
        };
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn be<const N: usize>(&mut self) -> Result<[u8; N], CodecError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    fn len8(&mut self) -> Result<usize, CodecError> {
        Ok(usize::from(self.be::<1>()?[0]))
    }
    fn len16(&mut self) -> Result<usize, CodecError> {
        Ok(usize::from(u16::from_be_bytes(self.be()?)))
    }
    fn len32(&mut self) -> Result<usize, CodecError> {
        // u32 always fits usize on the 32/64-bit targets Terraform runs on;
        // saturate rather than panic elsewhere (take() will then fail).
        Ok(usize::try_from(u32::from_be_bytes(self.be()?)).unwrap_or(usize::MAX))
    }

    fn value(&mut self, ty: &Type, depth: usize) -> Result<Value, CodecError> {
        if depth > MAX_DEPTH {
            return Err(self.err("value nested too deeply"));
        }
        let m = self.peek()?;
        // Extensions mean "unknown" whatever the type (go-cty checks this
        // before anything else, including dynamic values).
        if is_ext(m) {
            return self.unknown(ty);
        }
        if m == Marker::Null {
            self.pos += 1;
            return Ok(Value::Null);
        }
        match ty {
            Type::Dynamic => self.dynamic(depth),
            Type::Bool => match self.marker()? {
                Marker::True => Ok(Value::Bool(true)),
                Marker::False => Ok(Value::Bool(false)),
                m => Err(self.err(format!("bool is required, found {}", kind(m)))),
            },
            Type::Number => self.number().map(Value::Number),
            Type::String => {
                let m = self.marker()?;
                self.str_slice(m, "string")
                    .map(|s| Value::String(s.to_owned()))
            }
            Type::List(et) => self.elements(et, depth).map(Value::List),
            Type::Set(et) => self.elements(et, depth).map(Value::Set),
            Type::Tuple(ets) => {
                let n = self.array_len("tuple")?;
                if n != ets.len() {
                    return Err(self.err(format!(
                        "tuple of {} elements is required, found {n}",
                        ets.len()
                    )));
                }
                let mut out = Vec::with_capacity(ets.len());
                for (i, et) in ets.iter().enumerate() {
                    let v = self.value(et, depth + 1);
                    out.push(v.map_err(|e| e.under(PathStep::index(i)))?);
                }
                Ok(Value::Tuple(out))
            }
            Type::Map(et) => {
                let n = self.map_len("map")?;
                let mut out = BTreeMap::new();
                for _ in 0..n {
                    let m = self.marker()?;
                    let key = self.str_slice(m, "map key")?;
                    let v = self.value(et, depth + 1);
                    let v = v.map_err(|e| e.under(PathStep::ElementKeyString(key.to_owned())))?;
                    if out.insert(key.to_owned(), v).is_some() {
                        return Err(self
                            .err("duplicate map key")
                            .under(PathStep::ElementKeyString(key.to_owned())));
                    }
                }
                Ok(Value::Map(out))
            }
            Type::Object(attrs) => {
                let n = self.map_len("object")?;
                let mut out = BTreeMap::new();
                for _ in 0..n {
                    let m = self.marker()?;
                    let key = self.str_slice(m, "object key")?;
                    // The schema's own name is the one copied into the value.
                    let Some((name, aty)) = attrs.get_key_value(key) else {
                        return Err(self
                            .err("unsupported attribute")
                            .under(PathStep::Attribute(key.to_owned())));
                    };
                    let v = self.value(aty, depth + 1);
                    let v = v.map_err(|e| e.under(PathStep::Attribute(name.clone())))?;
                    if out.insert(name.clone(), v).is_some() {
                        return Err(self
                            .err("duplicate attribute")
                            .under(PathStep::Attribute(name.clone())));
                    }
                }
                // go-cty always sends every attribute; tolerate omissions by
                // filling nulls so callers can rely on a complete object.
                if out.len() < attrs.len() {
                    for name in attrs.keys() {
                        if !out.contains_key(name) {
                            out.insert(name.clone(), Value::Null);
                        }
                    }
                }
                Ok(Value::Object(out))
            }
        }
    }

    fn elements(&mut self, et: &Type, depth: usize) -> Result<Vec<Value>, CodecError> {
        let n = self.array_len("list or set")?;
        // A false n ends in "unexpected end of input" (see `capacity`).
        let mut out = Vec::with_capacity(self.capacity(n));
        for i in 0..n {
            let v = self.value(et, depth + 1);
            out.push(v.map_err(|e| e.under(PathStep::index(i)))?);
        }
        Ok(out)
    }

    fn array_len(&mut self, what: &str) -> Result<usize, CodecError> {
        match self.marker()? {
            Marker::FixArray(n) => Ok(usize::from(n)),
            Marker::Array16 => self.len16(),
            Marker::Array32 => self.len32(),
            m => Err(self.err(format!("{what} (array) is required, found {}", kind(m)))),
        }
    }

    fn map_len(&mut self, what: &str) -> Result<usize, CodecError> {
        match self.marker()? {
            Marker::FixMap(n) => Ok(usize::from(n)),
            Marker::Map16 => self.len16(),
            Marker::Map32 => self.len32(),
            m => Err(self.err(format!("{what} (map) is required, found {}", kind(m)))),
        }
    }

    /// Reads a string after its marker, borrowing it from the input. Bin is
    /// accepted too, as go-cty's msgpack library does; either way the bytes
    /// must be UTF-8.
    fn str_slice(&mut self, m: Marker, what: &str) -> Result<&'a str, CodecError> {
        let n = match m {
            Marker::FixStr(n) => usize::from(n),
            Marker::Str8 | Marker::Bin8 => self.len8()?,
            Marker::Str16 | Marker::Bin16 => self.len16()?,
            Marker::Str32 | Marker::Bin32 => self.len32()?,
            m => return Err(self.err(format!("{what} is required, found {}", kind(m)))),
        };
        let bytes = self.take(n)?;
        std::str::from_utf8(bytes).map_err(|_| self.err(format!("{what} is not valid UTF-8")))
    }

    /// An integer of any msgpack width, as i128 so every width fits.
    fn int_body(&mut self, m: Marker) -> Result<Option<i128>, CodecError> {
        Ok(Some(match m {
            Marker::FixPos(n) => i128::from(n),
            Marker::FixNeg(n) => i128::from(n),
            Marker::U8 => i128::from(u8::from_be_bytes(self.be()?)),
            Marker::U16 => i128::from(u16::from_be_bytes(self.be()?)),
            Marker::U32 => i128::from(u32::from_be_bytes(self.be()?)),
            Marker::U64 => i128::from(u64::from_be_bytes(self.be()?)),
            Marker::I8 => i128::from(i8::from_be_bytes(self.be()?)),
            Marker::I16 => i128::from(i16::from_be_bytes(self.be()?)),
            Marker::I32 => i128::from(i32::from_be_bytes(self.be()?)),
            Marker::I64 => i128::from(i64::from_be_bytes(self.be()?)),
            _ => return Ok(None),
        }))
    }

    fn number(&mut self) -> Result<Number, CodecError> {
        let m = self.marker()?;
        if let Some(i) = self.int_body(m)? {
            // Every msgpack integer fits i64 or u64.
            return Ok(match i64::try_from(i) {
                Ok(i) => Number::Int(i),
                Err(_) => Number::UInt(u64::try_from(i).unwrap_or(u64::MAX)),
            });
        }
        let f = match m {
            Marker::F32 => f64::from(f32::from_be_bytes(self.be()?)),
            Marker::F64 => f64::from_be_bytes(self.be()?),
            m => {
                let s = self.str_slice(m, "number")?;
                return Number::parse_decimal(s)
                    .ok_or_else(|| self.err("number is required, found a non-numeric string"));
            }
        };
        if f.is_nan() {
            return Err(self.err("number is NaN, which cty does not allow"));
        }
        Ok(Number::Float(f))
    }

    fn dynamic(&mut self, depth: usize) -> Result<Value, CodecError> {
        if self.array_len("dynamic value [type, value]")? != 2 {
            return Err(self.err("dynamic value array must have exactly two elements"));
        }
        let m = self.marker()?;
        let type_json = self.str_slice(m, "dynamic value type JSON")?;
        let ty = serde_json::from_str::<serde_json::Value>(type_json)
            .ok()
            .and_then(|j| Type::from_json(&j).ok())
            .ok_or_else(|| self.err("dynamic value carries an invalid type"))?;
        if ty == Type::Dynamic {
            return Err(self.err("dynamic value's concrete type is itself dynamic"));
        }
        let v = self.value(&ty, depth + 1)?;
        Ok(Value::Dynamic(Box::new(ty), Box::new(v)))
    }

    /// Reads an extension (any type) as an unknown of type `ty`.
    fn unknown(&mut self, ty: &Type) -> Result<Value, CodecError> {
        // Layout: marker, [length], type byte, payload.
        let len = match self.marker()? {
            Marker::FixExt1 => 1,
            Marker::FixExt2 => 2,
            Marker::FixExt4 => 4,
            Marker::FixExt8 => 8,
            Marker::FixExt16 => 16,
            Marker::Ext8 => self.len8()?,
            Marker::Ext16 => self.len16()?,
            Marker::Ext32 => self.len32()?,
            m => return Err(self.err(format!("extension is required, found {}", kind(m)))),
        };
        let ext_type = i8::from_be_bytes(self.be()?);
        let payload = self.take(len)?;
        // 0- or 1-byte payloads are the plain unknown (any type code). Other
        // extension types carry nothing we understand: also plain unknown
        // (go-cty's older decoders treat every extension so). Dynamic values
        // cannot be refined.
        if len <= 1 || ext_type != EXT_REFINED_UNKNOWN || *ty == Type::Dynamic {
            return Ok(Value::unknown());
        }
        if len > MAX_REFINEMENT_LEN {
            return Err(self.err("oversize unknown-value refinement"));
        }
        let mut sub = Decoder {
            buf: payload,
            pos: 0,
        };
        sub.refinements(ty)
    }

    fn refinements(&mut self, ty: &Type) -> Result<Value, CodecError> {
        let n = self.map_len("refinement")?;
        let mut r = Refinements::default();
        let mut definitely_null = false;
        for _ in 0..n {
            let m = self.marker()?;
            let key = self
                .int_body(m)?
                .ok_or_else(|| self.err("refinement key is not an integer"))?;
            let key = i64::try_from(key).unwrap_or(i64::MAX);
            match key {
                RFN_NULLNESS => match self.marker()? {
                    Marker::False => r.not_null = true,
                    // "Definitely null": cty turns this into a known null.
                    Marker::True => definitely_null = true,
                    _ => return Err(self.err("nullness refinement is not a bool")),
                },
                RFN_STRING_PREFIX => {
                    if *ty != Type::String {
                        return Err(self.err("string prefix refinement for a non-string type"));
                    }
                    let m = self.marker()?;
                    let p = self.str_slice(m, "string prefix refinement")?;
                    r.string_prefix = (!p.is_empty()).then(|| p.to_owned());
                }
                RFN_NUMBER_MIN | RFN_NUMBER_MAX => {
                    if *ty != Type::Number {
                        return Err(self.err("number bound refinement for a non-number type"));
                    }
                    if self.array_len("number bound refinement")? != 2 {
                        return Err(self.err("number bound refinement must be [number, bool]"));
                    }
                    let bound = self.number()?;
                    let inclusive = match self.marker()? {
                        Marker::True => true,
                        Marker::False => false,
                        _ => return Err(self.err("number bound refinement must be [number, bool]")),
                    };
                    let slot = if key == RFN_NUMBER_MIN {
                        &mut r.number_lower
                    } else {
                        &mut r.number_upper
                    };
                    *slot = Some((bound, inclusive));
                }
                RFN_LENGTH_MIN | RFN_LENGTH_MAX => {
                    if !ty.is_collection() {
                        return Err(self.err("length bound refinement for a non-collection type"));
                    }
                    let m = self.marker()?;
                    let bound = self
                        .int_body(m)?
                        .and_then(|i| u64::try_from(i).ok())
                        .ok_or_else(|| {
                            self.err("length bound refinement is not a non-negative integer")
                        })?;
                    let slot = if key == RFN_LENGTH_MIN {
                        &mut r.length_lower
                    } else {
                        &mut r.length_upper
                    };
                    *slot = Some(bound);
                }
                // Future refinements: skip, as go-cty does, for compatibility.
                _ => self.skip(0)?,
            }
        }
        // Trailing payload bytes are deliberately ignored (go-cty reserves them).
        if definitely_null {
            return Ok(Value::Null);
        }
        Ok(Value::unknown_refined(r))
    }

    /// Skips one msgpack value of any kind.
    fn skip(&mut self, depth: usize) -> Result<(), CodecError> {
        if depth > MAX_DEPTH {
            return Err(self.err("value nested too deeply"));
        }
        let m = self.marker()?;
        if self.int_body(m)?.is_some() {
            return Ok(());
        }
        let (items, bytes) = match m {
            Marker::Null | Marker::True | Marker::False => (0, 0),
            Marker::F32 => (0, 4),
            Marker::F64 => (0, 8),
            Marker::FixStr(n) => (0, usize::from(n)),
            Marker::Str8 | Marker::Bin8 => (0, self.len8()?),
            Marker::Str16 | Marker::Bin16 => (0, self.len16()?),
            Marker::Str32 | Marker::Bin32 => (0, self.len32()?),
            Marker::FixArray(n) => (usize::from(n), 0),
            Marker::Array16 => (self.len16()?, 0),
            Marker::Array32 => (self.len32()?, 0),
            Marker::FixMap(n) => (usize::from(n).saturating_mul(2), 0),
            Marker::Map16 => (self.len16()?.saturating_mul(2), 0),
            Marker::Map32 => (self.len32()?.saturating_mul(2), 0),
            Marker::FixExt1 => (0, 2),
            Marker::FixExt2 => (0, 3),
            Marker::FixExt4 => (0, 5),
            Marker::FixExt8 => (0, 9),
            Marker::FixExt16 => (0, 17),
            Marker::Ext8 => (0, self.len8()?.saturating_add(1)),
            Marker::Ext16 => (0, self.len16()?.saturating_add(1)),
            Marker::Ext32 => (0, self.len32()?.saturating_add(1)),
            _ => return Err(self.err("reserved msgpack marker")),
        };
        self.take(bytes)?;
        for _ in 0..items {
            self.skip(depth + 1)?;
        }
        Ok(())
    }
}

fn is_ext(m: Marker) -> bool {
    matches!(
        m,
        Marker::FixExt1
            | Marker::FixExt2
            | Marker::FixExt4
            | Marker::FixExt8
            | Marker::FixExt16
            | Marker::Ext8
            | Marker::Ext16
            | Marker::Ext32
    )
}

/// A short description of what a marker starts, for error messages.
fn kind(m: Marker) -> &'static str {
    match m {
        Marker::Null => "nil",
        Marker::True | Marker::False => "bool",
        Marker::FixPos(_) | Marker::FixNeg(_) => "integer",
        Marker::U8 | Marker::U16 | Marker::U32 | Marker::U64 => "integer",
        Marker::I8 | Marker::I16 | Marker::I32 | Marker::I64 => "integer",
        Marker::F32 | Marker::F64 => "float",
        Marker::FixStr(_) | Marker::Str8 | Marker::Str16 | Marker::Str32 => "string",
        Marker::Bin8 | Marker::Bin16 | Marker::Bin32 => "binary",
        Marker::FixArray(_) | Marker::Array16 | Marker::Array32 => "array",
        Marker::FixMap(_) | Marker::Map16 | Marker::Map32 => "map",
        Marker::Reserved => "reserved marker",
        _ => "extension",
    }
}

// ---------------------------------------------------------------- encoding

struct Encoder {
    out: Vec<u8>,
}

/// Writes into a `Vec` cannot fail, but rmp's signatures return `Result`;
/// this keeps `?` usable without `unwrap`.
fn wrote<T, E: fmt::Debug>(r: Result<T, E>) -> Result<(), CodecError> {
    r.map(|_| ()).map_err(|e| {
        CodecError::new(
            Operation::EncodeMsgpack,
            format!("msgpack write failed: {e:?}"),
        )
    })
}

impl Encoder {
    /// An error here; callers above add the steps that led here.
    fn err(&self, reason: impl Into<String>) -> CodecError {
        CodecError::new(Operation::EncodeMsgpack, reason)
    }

    fn len(&self, n: usize) -> Result<u32, CodecError> {
        u32::try_from(n).map_err(|_| self.err("too many elements for msgpack"))
    }

    fn value(&mut self, v: &Value, ty: &Type) -> Result<(), CodecError> {
        match (ty, v) {
            // Dynamic first: nulls/unknowns without a concrete type are plain,
            // and concrete values carry their type alongside.
            (Type::Dynamic, Value::Null) => wrote(w::write_nil(&mut self.out)),
            (Type::Dynamic, Value::Unknown(_)) => {
                self.out.extend_from_slice(&UNKNOWN_BYTES);
                Ok(())
            }
            (Type::Dynamic, Value::Dynamic(inner_ty, inner)) => {
                if **inner_ty == Type::Dynamic {
                    return Err(self.err("a dynamic value's concrete type cannot be dynamic"));
                }
                let ty_json = inner_ty.to_json().to_string();
                wrote(w::write_array_len(&mut self.out, 2))?;
                wrote(w::write_bin(&mut self.out, ty_json.as_bytes()))?;
                self.value(inner, inner_ty)
            }
            (Type::Dynamic, other) => Err(self.err(format!(
                "a value of dynamic type must be Value::Dynamic carrying its concrete type, found {}",
                value_kind(other)
            ))),
            (_, Value::Null) => wrote(w::write_nil(&mut self.out)),
            (_, Value::Unknown(r)) => self.unknown(r.as_deref(), ty),
            (Type::Bool, Value::Bool(b)) => wrote(w::write_bool(&mut self.out, *b)),
            (Type::Number, Value::Number(n)) => self.number(n),
            (Type::String, Value::String(s)) => wrote(w::write_str(&mut self.out, s)),
            (Type::List(et), Value::List(items)) | (Type::Set(et), Value::Set(items)) => {
                let n = self.len(items.len())?;
                wrote(w::write_array_len(&mut self.out, n))?;
                for (i, item) in items.iter().enumerate() {
                    self.value(item, et).map_err(|e| e.under(PathStep::index(i)))?;
                }
                Ok(())
            }
            (Type::Tuple(ets), Value::Tuple(items)) => {
                if ets.len() != items.len() {
                    return Err(self.err(format!("tuple of {} elements is required, found {}", ets.len(), items.len())));
                }
                let n = self.len(items.len())?;
                wrote(w::write_array_len(&mut self.out, n))?;
                for (i, (item, et)) in items.iter().zip(ets).enumerate() {
                    self.value(item, et).map_err(|e| e.under(PathStep::index(i)))?;
                }
                Ok(())
            }
            (Type::Map(et), Value::Map(entries)) => {
                let n = self.len(entries.len())?;
                wrote(w::write_map_len(&mut self.out, n))?;
                for (k, item) in entries {
                    wrote(w::write_str(&mut self.out, k))?;
                    self.value(item, et).map_err(|e| e.under(PathStep::ElementKeyString(k.clone())))?;
                }
                Ok(())
            }
            (Type::Object(attrs), Value::Object(vals)) => {
                if let Some(extra) = vals.keys().find(|k| !attrs.contains_key(*k)) {
                    return Err(self
                        .err("attribute is not part of the object type")
                        .under(PathStep::Attribute(extra.clone())));
                }
                // BTreeMap iterates in byte order, the order go-cty sorts by.
                let n = self.len(attrs.len())?;
                wrote(w::write_map_len(&mut self.out, n))?;
                for (name, aty) in attrs {
                    wrote(w::write_str(&mut self.out, name))?;
                    self.value(vals.get(name).unwrap_or(&Value::Null), aty)
                        .map_err(|e| e.under(PathStep::Attribute(name.clone())))?;
                }
                Ok(())
            }
            (ty, v) => Err(self.err(format!("{} is required, found {}", type_kind(ty), value_kind(v)))),
        }
    }

    /// Numbers as go-cty writes them: exact integers as ints, other floats as
    /// float64, and exact decimals that are neither as their text.
    fn number(&mut self, n: &Number) -> Result<(), CodecError> {
        match n {
            Number::Int(i) => wrote(w::write_sint(&mut self.out, *i)),
            Number::UInt(u) => wrote(w::write_uint(&mut self.out, *u)),
            Number::Float(f) if f.is_nan() => Err(self.err("NaN is not a cty number")),
            Number::Float(f) => match n.as_i64() {
                Some(i) => wrote(w::write_sint(&mut self.out, i)),
                None => wrote(w::write_f64(&mut self.out, *f)),
            },
            Number::Decimal(s) => {
                if let Some(i) = n.as_i64() {
                    wrote(w::write_sint(&mut self.out, i))
                } else if let Some(u) = n.as_u64() {
                    wrote(w::write_uint(&mut self.out, u))
                } else if super::value::is_decimal_syntax(s) {
                    wrote(w::write_str(&mut self.out, s))
                } else {
                    Err(self.err("decimal number text is malformed"))
                }
            }
        }
    }

    /// `d4 00 00` when nothing is known; else ext 12 with only the present
    /// refinements, each checked against the type it applies to.
    fn unknown(&mut self, r: Option<&Refinements>, ty: &Type) -> Result<(), CodecError> {
        let Some(r) = r else {
            self.out.extend_from_slice(&UNKNOWN_BYTES);
            return Ok(());
        };
        let mut body = Vec::new();
        let mut n = 0u32;
        if r.not_null {
            n += 1;
            wrote(w::write_sint(&mut body, RFN_NULLNESS))?;
            wrote(w::write_bool(&mut body, false))?;
        }
        // cty treats an empty prefix as "no refinement"; so do we.
        if let Some(p) = r.string_prefix.as_deref().filter(|p| !p.is_empty()) {
            if *ty != Type::String {
                return Err(self.err("string prefix refinement on a non-string type"));
            }
            n += 1;
            wrote(w::write_sint(&mut body, RFN_STRING_PREFIX))?;
            wrote(w::write_str(&mut body, p))?;
        }
        for (key, bound) in [
            (RFN_NUMBER_MIN, &r.number_lower),
            (RFN_NUMBER_MAX, &r.number_upper),
        ] {
            if let Some((num, inclusive)) = bound {
                if *ty != Type::Number {
                    return Err(self.err("number bound refinement on a non-number type"));
                }
                n += 1;
                wrote(w::write_sint(&mut body, key))?;
                wrote(w::write_array_len(&mut body, 2))?;
                let saved = std::mem::replace(&mut self.out, body);
                let res = self.number(num);
                body = std::mem::replace(&mut self.out, saved);
                res?;
                wrote(w::write_bool(&mut body, *inclusive))?;
            }
        }
        for (key, bound) in [
            (RFN_LENGTH_MIN, r.length_lower),
            (RFN_LENGTH_MAX, r.length_upper),
        ] {
            if let Some(b) = bound {
                if !ty.is_collection() {
                    return Err(self.err("length bound refinement on a non-collection type"));
                }
                n += 1;
                wrote(w::write_sint(&mut body, key))?;
                wrote(w::write_uint(&mut body, b))?;
            }
        }
        if n == 0 {
            self.out.extend_from_slice(&UNKNOWN_BYTES);
            return Ok(());
        }
        let mut payload = Vec::new();
        wrote(w::write_map_len(&mut payload, n))?;
        payload.extend_from_slice(&body);
        let len = self.len(payload.len())?;
        wrote(w::write_ext_meta(&mut self.out, len, EXT_REFINED_UNKNOWN))?;
        self.out.extend_from_slice(&payload);
        Ok(())
    }
}

fn type_kind(ty: &Type) -> &'static str {
    match ty {
        Type::Bool => "bool",
        Type::Number => "number",
        Type::String => "string",
        Type::Dynamic => "dynamic",
        Type::List(_) => "list",
        Type::Set(_) => "set",
        Type::Map(_) => "map",
        Type::Object(_) => "object",
        Type::Tuple(_) => "tuple",
    }
}

fn value_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Unknown(_) => "unknown",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::List(_) => "list",
        Value::Set(_) => "set",
        Value::Map(_) => "map",
        Value::Object(_) => "object",
        Value::Tuple(_) => "tuple",
        Value::Dynamic(..) => "dynamic-wrapped value",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::Object(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    /// Encodes, decodes, and checks the result equals the input.
    fn round_trip(v: &Value, ty: &Type) -> Vec<u8> {
        let bytes = encode(v, ty).unwrap_or_else(|e| panic!("encode {v:?}: {e}"));
        let back = decode(&bytes, ty).unwrap_or_else(|e| panic!("decode {bytes:02x?}: {e}"));
        assert_eq!(&back, v, "bytes {bytes:02x?}");
        bytes
    }

    fn num(n: Number) -> Value {
        Value::Number(n)
    }

    #[test]
    fn round_trips_primitives() {
        for ty in [
            Type::Bool,
            Type::Number,
            Type::String,
            Type::list_of(Type::String),
        ] {
            assert_eq!(round_trip(&Value::Null, &ty), [0xc0]);
            assert_eq!(round_trip(&Value::unknown(), &ty), UNKNOWN_BYTES);
        }
        round_trip(&Value::Bool(true), &Type::Bool);
        round_trip(&Value::Bool(false), &Type::Bool);
        for i in [
            0,
            1,
            -1,
            127,
            128,
            -32,
            -33,
            65535,
            i64::from(i32::MIN),
            i64::MAX,
            i64::MIN,
        ] {
            round_trip(&Value::int(i), &Type::Number);
        }
        assert_eq!(
            round_trip(&num(Number::UInt(u64::MAX)), &Type::Number)[0],
            0xcf
        );
        for f in [0.5, -1.25, 1e300, f64::INFINITY, f64::NEG_INFINITY, 0.1] {
            round_trip(&num(Number::Float(f)), &Type::Number);
        }
        for d in [
            "123456789012345678901234567890",
            "-98765432109876543210.5",
            "1.5e-400",
        ] {
            let bytes = round_trip(&num(Number::Decimal(d.into())), &Type::Number);
            assert_eq!(bytes[0] & 0xe0, 0xa0, "decimal travels as a string");
        }
        for s in ["", "plain", "ünïcödé ✓ 日本語 🦀", &"x".repeat(70_000)] {
            round_trip(&Value::string(s), &Type::String);
        }
    }

    #[test]
    fn integral_floats_and_decimals_are_written_as_ints() {
        assert_eq!(
            encode(&num(Number::Float(3.0)), &Type::Number).unwrap(),
            [0x03]
        );
        assert_eq!(
            encode(&num(Number::Decimal("-1.0e2".into())), &Type::Number).unwrap(),
            [0xd0, 0x9c]
        );
        assert_eq!(
            encode(&num(Number::Float(0.5)), &Type::Number).unwrap()[0],
            0xcb
        );
        assert!(encode(&num(Number::Float(f64::NAN)), &Type::Number).is_err());
        assert!(encode(&num(Number::Decimal("12abc".into())), &Type::Number).is_err());
    }

    #[test]
    fn round_trips_refined_unknowns() {
        let cases = [
            (
                Type::String,
                Refinements {
                    not_null: true,
                    ..Default::default()
                },
            ),
            (
                Type::String,
                Refinements {
                    string_prefix: Some("https://".into()),
                    ..Default::default()
                },
            ),
            (
                Type::Number,
                Refinements {
                    number_lower: Some((Number::Int(-5), true)),
                    ..Default::default()
                },
            ),
            (
                Type::Number,
                Refinements {
                    not_null: true,
                    number_lower: Some((Number::Float(0.5), false)),
                    number_upper: Some((Number::Decimal("1e400".into()), true)),
                    ..Default::default()
                },
            ),
            (
                Type::set_of(Type::String),
                Refinements {
                    length_lower: Some(1),
                    ..Default::default()
                },
            ),
            (
                Type::list_of(Type::Bool),
                Refinements {
                    length_upper: Some(3),
                    ..Default::default()
                },
            ),
            (
                Type::map_of(Type::Number),
                Refinements {
                    length_lower: Some(2),
                    length_upper: Some(u64::MAX),
                    ..Default::default()
                },
            ),
            (
                Type::object([("a", Type::String)]),
                Refinements {
                    not_null: true,
                    ..Default::default()
                },
            ),
        ];
        for (ty, r) in cases {
            let bytes = round_trip(&Value::unknown_refined(r), &ty);
            assert_eq!(
                bytes[bytes[0] as usize - 0xc7 + 2],
                0x0c,
                "ext type 12 in {bytes:02x?}"
            );
        }
    }

    #[test]
    fn refined_unknown_bytes_match_go_cty() {
        let r = Refinements {
            not_null: true,
            string_prefix: Some("ab".into()),
            ..Default::default()
        };
        let bytes = encode(&Value::unknown_refined(r), &Type::String).unwrap();
        assert_eq!(
            bytes,
            [0xc7, 0x07, 0x0c, 0x82, 0x01, 0xc2, 0x02, 0xa2, b'a', b'b']
        );
        // Empty refinements and an empty prefix both collapse to d4 00 00.
        let empty = Refinements {
            string_prefix: Some(String::new()),
            ..Default::default()
        };
        assert_eq!(
            encode(&Value::unknown_refined(empty), &Type::String).unwrap(),
            UNKNOWN_BYTES
        );
        // Dynamic unknowns are never refined.
        let nn = Refinements {
            not_null: true,
            ..Default::default()
        };
        assert_eq!(
            encode(&Value::unknown_refined(nn), &Type::Dynamic).unwrap(),
            UNKNOWN_BYTES
        );
    }

    #[test]
    fn refinements_on_the_wrong_type_are_rejected() {
        let prefix = Refinements {
            string_prefix: Some("x".into()),
            ..Default::default()
        };
        assert!(encode(&Value::unknown_refined(prefix), &Type::Number).is_err());
        let len = Refinements {
            length_lower: Some(1),
            ..Default::default()
        };
        assert!(encode(&Value::unknown_refined(len), &Type::Object(BTreeMap::new())).is_err());
        // Decoding: a length bound on a string.
        assert!(decode(&[0xc7, 0x03, 0x0c, 0x81, 0x05, 0x01], &Type::String).is_err());
    }

    #[test]
    fn decodes_bytes_as_terraform_writes_them() {
        let n = |b: &[u8]| decode(b, &Type::Number).unwrap();
        let s = |b: &[u8]| decode(b, &Type::String).unwrap();
        assert!(n(&[0xd4, 0x00, 0x00]).is_unknown());
        assert!(s(&[0xd5, 0x00, 0x00, 0x00]).is_unknown()); // fixext2, type 0
        assert!(s(&[0xc7, 0x00, 0x00]).is_unknown()); // ext8, zero length
        // Other extension types with a payload: still a plain unknown.
        assert_eq!(s(&[0xd6, 0x05, 1, 2, 3, 4]), Value::unknown());
        // fixext4 type 12: {1: false} plus one ignored trailing byte.
        let v = s(&[0xd6, 0x0c, 0x81, 0x01, 0xc2, 0x00]);
        assert_eq!(
            v,
            Value::unknown_refined(Refinements {
                not_null: true,
                ..Default::default()
            })
        );
        // {1: true} means "definitely null" and collapses to null, as in cty.
        assert_eq!(s(&[0xd6, 0x0c, 0x81, 0x01, 0xc3, 0x00]), Value::Null);
        // Number bounds {3: [0, true], 4: [100, false]} and an unknown key 9.
        let v = n(&[
            0xc7, 0x0c, 0x0c, 0x83, 0x03, 0x92, 0x00, 0xc3, 0x04, 0x92, 0x64, 0xc2, 0x09, 0x91,
            0xc0,
        ]);
        let want = Refinements {
            number_lower: Some((Number::Int(0), true)),
            number_upper: Some((Number::Int(100), false)),
            ..Default::default()
        };
        assert_eq!(v, Value::unknown_refined(want));
        // Length bounds {5: 1, 6: 10} on a set.
        let v = decode(
            &[0xc7, 0x05, 0x0c, 0x82, 0x05, 0x01, 0x06, 0x0a],
            &Type::set_of(Type::String),
        )
        .unwrap();
        let want = Refinements {
            length_lower: Some(1),
            length_upper: Some(10),
            ..Default::default()
        };
        assert_eq!(v, Value::unknown_refined(want));
        // Strings: fixstr, str8, str16.
        assert_eq!(s(&[0xa2, b'h', b'i']), Value::string("hi"));
        assert_eq!(s(&[0xd9, 0x03, b'a', b'b', b'c']), Value::string("abc"));
        assert_eq!(s(&[0xda, 0x00, 0x02, 0xc3, 0xa9]), Value::string("é"));
        // Numbers: uint64, int8, float32, float64, decimal string.
        assert_eq!(
            n(&[0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
            num(Number::UInt(u64::MAX))
        );
        assert_eq!(n(&[0xcf, 0, 0, 0, 0, 0, 0, 0, 5]), Value::int(5));
        assert_eq!(n(&[0xd0, 0x80]), Value::int(-128));
        assert_eq!(n(&[0xca, 0x3f, 0xc0, 0x00, 0x00]), num(Number::Float(1.5)));
        assert_eq!(
            n(&[0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0]),
            num(Number::Float(1.5))
        );
        let big = b"\xbe123456789012345678901234567890";
        assert_eq!(
            n(big),
            num(Number::Decimal("123456789012345678901234567890".into()))
        );
        assert_eq!(n(b"\xa2-7"), Value::int(-7));
    }

    #[test]
    fn objects_carry_every_attribute() {
        let ty = Type::object([
            ("a", Type::String),
            ("b", Type::Number),
            ("c", Type::set_of(Type::String)),
        ]);
        let v = obj(&[("a", Value::string("x"))]);
        let bytes = encode(&v, &ty).unwrap();
        assert_eq!(
            bytes,
            [
                0x83, 0xa1, b'a', 0xa1, b'x', 0xa1, b'b', 0xc0, 0xa1, b'c', 0xc0
            ]
        );
        // Decoding fills all attributes, so the result has explicit nulls.
        let Value::Object(m) = decode(&bytes, &ty).unwrap() else {
            panic!()
        };
        assert_eq!(m.len(), 3);
        // A wire object that omits attributes is also completed with nulls.
        let Value::Object(m) = decode(&[0x81, 0xa1, b'a', 0xa1, b'x'], &ty).unwrap() else {
            panic!()
        };
        assert!(m["b"].is_null() && m["c"].is_null());
        // Extra attributes are refused on both sides, naming the path.
        let bad = obj(&[("zz", Value::Null)]);
        let e = encode(&bad, &ty).unwrap_err();
        assert_eq!(e.path.to_string(), "zz");
        assert!(decode(&[0x81, 0xa2, b'z', b'z', 0xc0], &ty).is_err());
    }

    #[test]
    fn round_trips_collections_and_nesting() {
        let inner = Type::object([("name", Type::String), ("n", Type::Number)]);
        let ty = Type::object([
            ("list", Type::list_of(Type::Number)),
            ("set", Type::set_of(Type::String)),
            ("map", Type::map_of(Type::Bool)),
            ("blocks", Type::list_of(inner.clone())),
            ("nested", Type::set_of(Type::set_of(Type::String))),
            ("tuple", Type::Tuple(vec![Type::String, Type::Number])),
            ("empty", Type::list_of(Type::String)),
        ]);
        let v = obj(&[
            (
                "list",
                Value::List(vec![Value::int(1), Value::Null, num(Number::Float(2.5))]),
            ),
            (
                "set",
                Value::Set(vec![
                    Value::string("a"),
                    Value::unknown(),
                    Value::string("b"),
                ]),
            ),
            (
                "map",
                Value::Map(
                    [("k1".into(), Value::Bool(true)), ("k2".into(), Value::Null)]
                        .into_iter()
                        .collect(),
                ),
            ),
            (
                "blocks",
                Value::List(vec![
                    obj(&[("name", Value::string("x")), ("n", Value::Null)]),
                    Value::Null,
                ]),
            ),
            ("nested", Value::Set(vec![Value::Set(vec![]), Value::Null])),
            (
                "tuple",
                Value::Tuple(vec![Value::string("t"), Value::int(9)]),
            ),
            ("empty", Value::List(vec![])),
        ]);
        round_trip(&v, &ty);
        round_trip(&Value::Null, &ty);
        round_trip(&Value::unknown(), &ty);
    }

    #[test]
    fn dynamic_values() {
        let ty = Type::object([("d", Type::Dynamic)]);
        for inner in [
            Value::Dynamic(Box::new(Type::String), Box::new(Value::string("hi"))),
            Value::Dynamic(
                Box::new(Type::list_of(Type::Number)),
                Box::new(Value::List(vec![Value::int(1)])),
            ),
            Value::Dynamic(Box::new(Type::String), Box::new(Value::Null)),
            Value::Null,
            Value::unknown(),
        ] {
            round_trip(&obj(&[("d", inner)]), &ty);
        }
        // As go-cty writes it: [bin "\"string\"", "hi"].
        let bytes = b"\x92\xc4\x08\"string\"\xa2hi";
        let v = decode(bytes, &Type::Dynamic).unwrap();
        assert_eq!(v.as_str(), Some("hi"));
        assert_eq!(encode(&v, &Type::Dynamic).unwrap(), bytes);
        // A bare value has no type to send.
        let e = encode(&Value::string("x"), &Type::Dynamic).unwrap_err();
        assert!(e.to_string().contains("Value::Dynamic"));
        assert!(decode(b"\x92\xc4\x03foo\xc0", &Type::Dynamic).is_err());
    }

    #[test]
    fn non_conforming_values_are_rejected_with_a_path() {
        let ty = Type::object([("tags", Type::list_of(Type::String))]);
        let v = obj(&[(
            "tags",
            Value::List(vec![Value::string("ok"), Value::int(3)]),
        )]);
        let e = encode(&v, &ty).unwrap_err();
        assert_eq!(e.path.to_string(), "tags[1]");
        assert!(
            e.to_string().contains("string is required, found number"),
            "{e}"
        );
        // A set value where a list is required.
        assert!(encode(&Value::Set(vec![]), &Type::list_of(Type::String)).is_err());
        let e = encode(
            &Value::Map([("secret-key".into(), Value::int(1))].into()),
            &Type::map_of(Type::String),
        )
        .unwrap_err();
        assert_eq!(e.path.to_string(), "[\"secret-key\"]");
    }

    #[test]
    fn rejects_garbage_without_panicking() {
        let s = Type::String;
        let cases: &[(&[u8], &Type)] = &[
            (&[], &s),
            (&[0xa3, b'a'], &s),                         // truncated string
            (&[0xa1, b'a', 0x00], &s),                   // trailing byte
            (&[0x01], &s),                               // int for string
            (&[0xa1, 0xff], &s),                         // invalid UTF-8
            (&[0xc1], &s),                               // reserved marker
            (&[0xdb, 0xff, 0xff, 0xff, 0xff], &s),       // absurd str32 length
            (&[0xd4, 0x0c], &s),                         // truncated ext
            (&[0xc7, 0x02, 0x0c, 0x81], &s),             // truncated refinement map
            (&[0xc7, 0x02, 0x0c, 0xa1, b'x'], &s),       // refinement payload not a map
            (&[0xc7, 0x03, 0x0c, 0x81, 0x01, 0x00], &s), // nullness not a bool
            (&[0xa3, b'1', b'x', b'2'], &Type::Number),  // non-numeric string
            (&[0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0], &Type::Number), // NaN
            (&[0xc3], &Type::Number),
            (&[0x92, 0xa1, b'a'], &Type::list_of(Type::String)), // short array
        ];
        for (bytes, ty) in cases {
            assert!(decode(bytes, ty).is_err(), "{bytes:02x?} as {ty:?}");
        }
        // Lying lengths: huge arrays and maps with no elements behind them.
        let list = Type::list_of(Type::String);
        assert!(decode(&[0xdd, 0xff, 0xff, 0xff, 0xff], &list).is_err());
        assert!(decode(&[0xdf, 0xff, 0xff, 0xff, 0xff], &Type::map_of(Type::String)).is_err());
        // An oversize refinement payload (ext32 of 2000 bytes).
        let mut big = vec![0xc9, 0x00, 0x00, 0x07, 0xd0, 0x0c];
        big.extend(std::iter::repeat_n(0u8, 2000));
        assert!(decode(&big, &s).is_err());
        // Nesting deeper than MAX_DEPTH.
        let mut deep = Type::String;
        for _ in 0..(MAX_DEPTH + 10) {
            deep = Type::list_of(deep);
        }
        let bytes = vec![0x91; MAX_DEPTH + 10];
        assert!(
            decode(&bytes, &deep)
                .unwrap_err()
                .to_string()
                .contains("deeply")
        );
        // Every strict prefix of a valid encoding is an error.
        let ty = Type::object([("a", Type::set_of(Type::Number)), ("b", Type::String)]);
        let v = obj(&[
            ("a", Value::Set(vec![num(Number::UInt(u64::MAX))])),
            ("b", Value::string("text")),
        ]);
        let full = encode(&v, &ty).unwrap();
        for cut in 0..full.len() {
            assert!(decode(&full[..cut], &ty).is_err(), "prefix {cut}");
        }
    }

    #[test]
    fn error_messages_do_not_echo_string_contents() {
        let e = decode(b"\xa6s3cr3t", &Type::Number).unwrap_err();
        assert!(!e.to_string().contains("s3cr3t"), "{e}");
        let e = encode(&Value::string("s3cr3t"), &Type::Bool).unwrap_err();
        assert!(!e.to_string().contains("s3cr3t"), "{e}");
    }

    /// Random bytes, and valid encodings with bytes changed and cut off,
    /// must only ever produce `Ok` or `Err`; whatever decodes must re-encode
    /// and decode to the same value. Run through a `TestRunner` rather than
    /// `proptest!` so the test can also check that some inputs did decode —
    /// otherwise the round-trip half would be checked on nothing.
    #[test]
    fn arbitrary_input_never_panics_and_what_decodes_round_trips() {
        use proptest::prelude::*;
        use proptest::sample::Index;
        use proptest::test_runner::{Config, TestRunner};
        use std::cell::Cell;

        let types = vec![
            Type::String,
            Type::Number,
            Type::Dynamic,
            Type::set_of(Type::String),
            Type::map_of(Type::list_of(Type::Number)),
            Type::object([
                ("a", Type::String),
                ("b", Type::set_of(Type::Bool)),
                ("c", Type::Dynamic),
            ]),
        ];
        let seed = encode(
            &obj(&[
                (
                    "a",
                    Value::unknown_refined(Refinements {
                        string_prefix: Some("p".into()),
                        ..Default::default()
                    }),
                ),
                ("b", Value::Set(vec![Value::Bool(true), Value::unknown()])),
                (
                    "c",
                    Value::Dynamic(Box::new(Type::Number), Box::new(Value::int(300))),
                ),
            ]),
            &types[5],
        )
        .unwrap();
        let damaged_seed = (
            prop::collection::vec((any::<Index>(), any::<u8>()), 1..=3),
            any::<Index>(),
        )
            .prop_map(move |(changes, cut)| {
                let mut bytes = seed.clone();
                for (at, byte) in changes {
                    let i = at.index(bytes.len());
                    bytes[i] = byte;
                }
                bytes.truncate(cut.index(bytes.len() + 1));
                bytes
            });
        let input = (
            prop_oneof![prop::collection::vec(any::<u8>(), 0..40), damaged_seed,],
            prop::sample::select(types),
        );
        let decoded_ok = Cell::new(0);
        let mut runner = TestRunner::new(Config {
            cases: 20_000,
            failure_persistence: None,
            ..Config::default()
        });
        let result = runner.run(&input, |(bytes, ty)| {
            if let Ok(v) = decode(&bytes, &ty) {
                decoded_ok.set(decoded_ok.get() + 1);
                let again = encode(&v, &ty);
                prop_assert!(again.is_ok(), "decoded {v:?} does not re-encode");
                let back = decode(&again.unwrap(), &ty);
                prop_assert_eq!(back, Ok(v));
            }
            Ok(())
        });
        if let Err(e) = result {
            panic!("{e}");
        }
        assert!(decoded_ok.get() > 0, "no input decoded");
    }
}
