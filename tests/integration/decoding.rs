//! Robust decoding: what arrives from Terraform (msgpack and JSON values, the handshake
//! environment) is outside data, so the decoders must return an error, never panic, whatever the
//! bytes. Property tests feed them random bytes, valid encodings with bytes flipped or cut off,
//! JSON token soup, and random types; and every value of every type, refined unknowns included,
//! must come back from msgpack as it went in.

use std::collections::BTreeMap;

use proptest::prelude::*;
use terraform_provider_onesignal::tfplugin::handshake::{
    self, MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE,
};
use terraform_provider_onesignal::tfplugin::{Number, Refinements, Type, Value, json, msgpack};

/// The types Terraform actually sends us, plus `dynamic`, whose type travels in the bytes.
fn real_types() -> Vec<Type> {
    vec![
        terraform_provider_onesignal::provider::app_api_key::schema::schema().object_type(),
        terraform_provider_onesignal::provider::config::schema().object_type(),
        Type::Dynamic,
    ]
}

/// Any cty type, a few levels deep.
fn any_type() -> impl Strategy<Value = Type> {
    let leaf = prop_oneof![
        Just(Type::Bool),
        Just(Type::Number),
        Just(Type::String),
        Just(Type::Dynamic),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(|t| Type::List(Box::new(t))),
            inner.clone().prop_map(|t| Type::Set(Box::new(t))),
            inner.clone().prop_map(|t| Type::Map(Box::new(t))),
            prop::collection::btree_map("[a-c]", inner.clone(), 0..4).prop_map(Type::Object),
            prop::collection::vec(inner, 0..3).prop_map(Type::Tuple),
        ]
    })
}

/// Any cty number, in each of the spellings `Number` has.
fn any_number() -> impl Strategy<Value = Number> {
    prop_oneof![
        any::<i64>().prop_map(Number::Int),
        (i64::MAX as u64 + 1..=u64::MAX).prop_map(Number::UInt),
        any::<f64>()
            .prop_filter("cty has no NaN", |f| !f.is_nan())
            .prop_map(Number::Float),
        "-?[1-9][0-9]{19,30}(\\.[0-9]{0,6}[1-9])?".prop_map(Number::Decimal),
        "-?[1-9](\\.[0-9]{1,6})?e-?[1-9][0-9]{2,3}".prop_map(Number::Decimal),
    ]
}

/// An unknown of type `ty` with any refinements that apply to it.
fn refined_unknown(ty: &Type) -> BoxedStrategy<Value> {
    let refined = |r: Refinements| Value::unknown_refined(r);
    match ty {
        // Unknowns of dynamic type carry no refinements on the wire.
        Type::Dynamic => Just(Value::unknown()).boxed(),
        Type::String => (any::<bool>(), prop::option::of(".{1,8}"))
            .prop_map(move |(not_null, string_prefix)| {
                refined(Refinements {
                    not_null,
                    string_prefix,
                    ..Default::default()
                })
            })
            .boxed(),
        Type::Number => {
            let bound = || prop::option::of((any_number(), any::<bool>()));
            (any::<bool>(), bound(), bound())
                .prop_map(move |(not_null, number_lower, number_upper)| {
                    refined(Refinements {
                        not_null,
                        number_lower,
                        number_upper,
                        ..Default::default()
                    })
                })
                .boxed()
        }
        ty if ty.is_collection() => {
            let bound = || prop::option::of(any::<u64>());
            (any::<bool>(), bound(), bound())
                .prop_map(move |(not_null, length_lower, length_upper)| {
                    refined(Refinements {
                        not_null,
                        length_lower,
                        length_upper,
                        ..Default::default()
                    })
                })
                .boxed()
        }
        _ => any::<bool>()
            .prop_map(move |not_null| {
                refined(Refinements {
                    not_null,
                    ..Default::default()
                })
            })
            .boxed(),
    }
}

/// Any value of type `ty`: null, unknown (refined or not) or known, all the way down.
fn value_of(ty: &Type) -> BoxedStrategy<Value> {
    let known = match ty {
        Type::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        Type::Number => any_number().prop_map(Value::Number).boxed(),
        Type::String => any::<String>().prop_map(Value::String).boxed(),
        Type::Dynamic => prop_oneof![
            Just(Type::Bool),
            Just(Type::Number),
            Just(Type::String),
            Just(Type::list_of(Type::String)),
        ]
        .prop_flat_map(|concrete| {
            value_of(&concrete)
                .prop_map(move |v| Value::Dynamic(Box::new(concrete.clone()), Box::new(v)))
        })
        .boxed(),
        Type::List(et) => prop::collection::vec(value_of(et), 0..4)
            .prop_map(Value::List)
            .boxed(),
        Type::Set(et) => prop::collection::vec(value_of(et), 0..4)
            .prop_map(Value::Set)
            .boxed(),
        Type::Map(et) => prop::collection::btree_map(any::<String>(), value_of(et), 0..4)
            .prop_map(Value::Map)
            .boxed(),
        Type::Object(attributes) => attributes
            .iter()
            .map(|(name, t)| (Just(name.clone()), value_of(t)))
            .collect::<Vec<_>>()
            .prop_map(|pairs| Value::Object(pairs.into_iter().collect()))
            .boxed(),
        Type::Tuple(types) => types
            .iter()
            .map(value_of)
            .collect::<Vec<_>>()
            .prop_map(Value::Tuple)
            .boxed(),
    };
    prop_oneof![
        1 => Just(Value::Null),
        1 => refined_unknown(ty),
        6 => known,
    ]
    .boxed()
}

/// A valid msgpack encoding of a resource state, to mutate.
fn resource_state_msgpack() -> Vec<u8> {
    let ty = &real_types()[0];
    let Type::Object(attributes) = ty else {
        unreachable!("the resource type is an object")
    };
    let value = Value::Object(
        attributes
            .iter()
            .map(|(name, attribute_type)| {
                let value = match attribute_type {
                    Type::String => Value::string(format!("{name}-value")),
                    Type::Set(_) | Type::List(_) => Value::Set(vec![
                        Value::string("10.0.0.0/8"),
                        Value::Unknown(Default::default()),
                    ]),
                    _ => Value::Null,
                };
                (name.clone(), value)
            })
            .collect::<BTreeMap<_, _>>(),
    );
    msgpack::encode(&value, ty).expect("a well-typed value encodes")
}

/// JSON-ish text that reaches into the cty JSON decoder, dynamic values included.
fn json_soup() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        "null",
        "true",
        "false",
        "0",
        "-1.5e3",
        "1e400",
        "18446744073709551616",
        "\"\"",
        "\"a\"",
        "\"value\"",
        "\"type\"",
        "\"list\"",
        "\"set\"",
        "\"map\"",
        "\"object\"",
        "\"tuple\"",
        "\"string\"",
        "\"number\"",
        "\"dynamic\"",
        "\"\\u0000\"",
        "\"\\ud800\"",
        " ",
    ]);
    prop::collection::vec(pieces, 0..64).prop_map(|p| p.concat())
}

fn decode_everywhere(bytes: &[u8], ty: &Type) {
    let _ = msgpack::decode(bytes, ty);
    let _ = json::decode(bytes, ty);
    let _ = json::decode_state(bytes, ty);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        for ty in real_types() {
            decode_everywhere(&bytes, &ty);
        }
    }

    #[test]
    fn random_bytes_of_random_types_never_panic(
        ty in any_type(),
        bytes in prop::collection::vec(any::<u8>(), 0..256),
    ) {
        decode_everywhere(&bytes, &ty);
    }

    #[test]
    fn damaged_encodings_never_panic(
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut bytes = resource_state_msgpack();
        for (at, byte) in flips {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        bytes.truncate(cut.index(bytes.len() + 1));
        for ty in real_types() {
            decode_everywhere(&bytes, &ty);
        }
    }

    #[test]
    fn json_soup_never_panics(text in json_soup(), ty in any_type()) {
        decode_everywhere(text.as_bytes(), &ty);
        for ty in real_types() {
            decode_everywhere(text.as_bytes(), &ty);
        }
    }

    #[test]
    fn every_value_comes_back_from_msgpack_as_it_went_in(
        (ty, value) in any_type().prop_flat_map(|ty| (Just(ty.clone()), value_of(&ty))),
    ) {
        let bytes = msgpack::encode(&value, &ty);
        prop_assert!(bytes.is_ok(), "{value:?} as {ty:?}: {bytes:?}");
        prop_assert_eq!(msgpack::decode(&bytes.unwrap(), &ty), Ok(value));
    }

    #[test]
    fn handshake_environment_of_any_content_never_panics(
        cookie in prop_oneof![Just(MAGIC_COOKIE_VALUE.to_owned()), any::<String>()],
        versions in prop::option::of(prop_oneof!["[0-9, ]{0,12}", any::<String>()]),
        cert in prop::option::of(any::<String>()),
        dir in prop::option::of(any::<String>()),
    ) {
        let env = |name: &str| match name {
            MAGIC_COOKIE_KEY => Some(cookie.clone()),
            "PLUGIN_PROTOCOL_VERSIONS" => versions.clone(),
            "PLUGIN_CLIENT_CERT" => cert.clone(),
            "PLUGIN_UNIX_SOCKET_DIR" => dir.clone(),
            _ => None,
        };
        if let Ok(found) = handshake::read_env("onesignal", env) {
            // Accepted only with everything Terraform sends: cookie, protocol 6 among the
            // versions (as numbers, so "06" counts, as it does for go-plugin), a certificate.
            prop_assert_eq!(cookie.as_str(), MAGIC_COOKIE_VALUE);
            prop_assert!(versions
                .as_deref()
                .is_some_and(|v| v.split(',').any(|p| p.trim().parse::<u32>() == Ok(6))));
            prop_assert_eq!(Some(found.client_cert_pem), cert);
        }
    }
}

/// Nesting far deeper than any schema: refused (or decoded) without exhausting the stack.
#[test]
fn deep_nesting_is_refused_without_overflowing_the_stack() {
    let depth = 100_000;
    let json_text = format!(
        "{{\"value\":{}0{},\"type\":\"number\"}}",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let json_type = format!(
        "{{\"value\":0,\"type\":{}\"number\"{}}}",
        "[\"list\",".repeat(depth),
        "]".repeat(depth)
    );
    // msgpack: fixarray(1) repeated, inside a dynamic [type, value] pair.
    let mut packed = vec![0x92, 0xa6];
    packed.extend_from_slice(b"number");
    packed.extend(std::iter::repeat_n(0x91, depth));
    packed.push(0x00);
    // A dynamic value whose type is a list of dynamic values, each of which is again a
    // [type, value] pair of the same kind, 100 000 levels down.
    let mut nested_dynamic = Vec::new();
    for _ in 0..depth {
        nested_dynamic.push(0x92);
        nested_dynamic.push(0xa0 | 18);
        nested_dynamic.extend_from_slice(br#"["list","dynamic"]"#);
        nested_dynamic.push(0x91);
    }
    nested_dynamic.push(0xc0);
    assert!(json::decode(json_text.as_bytes(), &Type::Dynamic).is_err());
    assert!(json::decode(json_type.as_bytes(), &Type::Dynamic).is_err());
    assert!(msgpack::decode(&packed, &Type::Dynamic).is_err());
    assert!(msgpack::decode("[".repeat(depth).as_bytes(), &Type::Dynamic).is_err());
    assert!(msgpack::decode(&nested_dynamic, &Type::Dynamic).is_err());
}
