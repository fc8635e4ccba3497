//! Conversions between the generated protobuf types and the protocol layer's own types.
//!
//! Everything that touches a generated type lives here or in `grpc`, so that the rest of the
//! crate works with [`Value`], [`Schema`] and [`Diagnostics`].

use super::diag::{Diagnostic, Diagnostics, Severity};
use super::path::{AttributePath, PathStep};
use super::proto::tfplugin6 as pb;
use super::provider::ClientCapabilities;
use super::schema::{Presence, Schema};
use super::value::{Type, Value};
use super::{json, msgpack};

/// Decodes a DynamicValue (msgpack, or JSON when msgpack is empty; absent = null).
pub fn value_from_proto(value: Option<&pb::DynamicValue>, ty: &Type) -> Result<Value, Diagnostic> {
    let Some(value) = value else {
        return Ok(Value::Null);
    };
    if !value.msgpack.is_empty() {
        msgpack::decode(&value.msgpack, ty).map_err(|e| undecodable("msgpack", &e.to_string()))
    } else if !value.json.is_empty() {
        json::decode(&value.json, ty).map_err(|e| undecodable("JSON", &e.to_string()))
    } else {
        Ok(Value::Null)
    }
}

/// Encodes a value as a msgpack DynamicValue of type `ty`.
pub fn value_to_proto(value: &Value, ty: &Type) -> Result<pb::DynamicValue, Diagnostic> {
    let msgpack = msgpack::encode(value, ty).map_err(|e| {
        Diagnostic::error(
            "Provider produced a value it cannot encode",
            format!(
                "This is a bug in the provider; please report it. The value does not match its \
                 schema: {e}."
            ),
        )
    })?;
    Ok(pb::DynamicValue {
        msgpack,
        json: Vec::new(),
    })
}

/// Decodes stored state (`raw_state.json`) into the current schema: attributes the schema no
/// longer has are dropped and new ones start null, so a stored state survives schema additions.
pub fn state_from_json(raw: &[u8], ty: &Type) -> Result<Value, Diagnostic> {
    json::decode_state(raw, ty).map_err(|e| undecodable("JSON", &e.to_string()))
}

fn undecodable(format: &str, error: &str) -> Diagnostic {
    Diagnostic::error(
        "Provider received a value it cannot decode",
        format!(
            "Terraform sent a {format} value that does not match the provider's schema: {error}. \
             This usually means the Terraform version and the provider disagree about the \
             protocol; please report it with both versions."
        ),
    )
}

/// The protobuf form of a schema.
pub fn schema_to_proto(schema: &Schema) -> pb::Schema {
    let attributes = schema
        .block
        .attributes
        .iter()
        .map(|a| pb::schema::Attribute {
            name: a.name.to_owned(),
            r#type: a.ty.to_json().to_string().into_bytes(),
            description: a.description.clone(),
            required: a.presence == Presence::Required,
            optional: matches!(a.presence, Presence::Optional | Presence::OptionalComputed),
            computed: matches!(a.presence, Presence::Computed | Presence::OptionalComputed),
            sensitive: a.sensitive,
            write_only: a.write_only,
            description_kind: pb::StringKind::Markdown as i32,
            ..Default::default()
        })
        .collect();
    pb::Schema {
        version: schema.version,
        block: Some(pb::schema::Block {
            version: schema.version,
            attributes,
            description: schema.block.description.clone(),
            description_kind: pb::StringKind::Markdown as i32,
            deprecated: schema.block.deprecated,
            ..Default::default()
        }),
    }
}

/// The client capabilities a request carries; absent (Terraform before 1.3 sends none) is
/// all false, so a feature is only used when Terraform says it understands it.
pub fn capabilities_from_proto(
    capabilities: Option<&pb::ClientCapabilities>,
) -> ClientCapabilities {
    capabilities.map_or_else(ClientCapabilities::default, |c| ClientCapabilities {
        write_only_attributes_allowed: c.write_only_attributes_allowed,
        deferral_allowed: c.deferral_allowed,
    })
}

/// The protobuf form of diagnostics.
pub fn diagnostics_to_proto(diagnostics: Diagnostics) -> Vec<pb::Diagnostic> {
    diagnostics.into_iter().map(diagnostic_to_proto).collect()
}

fn diagnostic_to_proto(d: Diagnostic) -> pb::Diagnostic {
    pb::Diagnostic {
        severity: match d.severity {
            Severity::Error => pb::diagnostic::Severity::Error,
            Severity::Warning => pb::diagnostic::Severity::Warning,
        } as i32,
        summary: d.summary,
        detail: d.detail,
        attribute: d.attribute.map(path_to_proto),
    }
}

/// The protobuf form of an attribute path.
pub fn path_to_proto(path: AttributePath) -> pb::AttributePath {
    use pb::attribute_path::step::Selector;
    pb::AttributePath {
        steps: path
            .0
            .into_iter()
            .map(|step| pb::attribute_path::Step {
                selector: Some(match step {
                    PathStep::Attribute(name) => Selector::AttributeName(name),
                    PathStep::ElementKeyString(key) => Selector::ElementKeyString(key),
                    PathStep::ElementKeyInt(index) => Selector::ElementKeyInt(index),
                }),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn object_type() -> Type {
        Type::Object(BTreeMap::from([
            ("name".to_owned(), Type::String),
            ("tags".to_owned(), Type::Set(Box::new(Type::String))),
        ]))
    }

    #[test]
    fn stored_state_tolerates_schema_changes() {
        let state =
            state_from_json(br#"{"name":"a","removed_attribute":1}"#, &object_type()).unwrap();
        assert_eq!(state.get_attr("name").as_str(), Some("a"));
        assert!(state.get_attr("tags").is_null());
    }

    #[test]
    fn absent_and_empty_dynamic_values_are_null() {
        assert_eq!(value_from_proto(None, &object_type()).unwrap(), Value::Null);
        let empty = pb::DynamicValue::default();
        assert_eq!(
            value_from_proto(Some(&empty), &object_type()).unwrap(),
            Value::Null
        );
    }

    #[test]
    fn schemas_carry_write_only_and_sensitive() {
        use crate::schema::{Attribute, Block};
        let schema = Schema {
            version: 0,
            block: Block {
                attributes: vec![
                    Attribute::new("plain", Type::String, Presence::Optional, "p"),
                    Attribute::new("secret_wo", Type::String, Presence::Optional, "s")
                        .sensitive()
                        .write_only(),
                ],
                ..Block::default()
            },
        };
        let pb = schema_to_proto(&schema);
        let attributes = &pb.block.unwrap().attributes;
        assert!(!attributes[0].write_only && !attributes[0].sensitive);
        assert!(attributes[1].write_only && attributes[1].sensitive);
    }

    #[test]
    fn absent_capabilities_allow_nothing() {
        assert_eq!(capabilities_from_proto(None), ClientCapabilities::default());
        let sent = pb::ClientCapabilities {
            deferral_allowed: false,
            write_only_attributes_allowed: true,
        };
        let decoded = capabilities_from_proto(Some(&sent));
        assert!(decoded.write_only_attributes_allowed);
        assert!(!decoded.deferral_allowed);
    }

    #[test]
    fn paths_and_diagnostics_convert() {
        let d = Diagnostic::error("s", "d").at(AttributePath::attribute("ip_allowlist").key("x"));
        let pb = diagnostics_to_proto(Diagnostics::from(d));
        assert_eq!(pb[0].severity, pb::diagnostic::Severity::Error as i32);
        let steps = &pb[0].attribute.as_ref().unwrap().steps;
        assert_eq!(steps.len(), 2);
        assert_eq!(
            steps[1].selector,
            Some(pb::attribute_path::step::Selector::ElementKeyString(
                "x".into()
            ))
        );
    }
}
