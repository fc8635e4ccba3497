//! Schemas: the attributes of a provider, resource or data source, as Terraform is told them.

use super::value::Type;

/// A versioned schema. The version is stored with each resource instance in state, so that
/// `UpgradeResourceState` knows which shape it is reading.
#[derive(Debug, Clone)]
pub struct Schema {
    /// The schema version (0 until the stored shape changes).
    pub version: i64,
    /// The attributes.
    pub block: Block,
}

/// The top-level block of a schema: attributes only (this provider needs no nested blocks).
#[derive(Debug, Clone, Default)]
pub struct Block {
    /// The attributes, in the order documentation lists them.
    pub attributes: Vec<Attribute>,
    /// Markdown description of the whole provider/resource/data source.
    pub description: String,
    /// Whether the whole thing is deprecated.
    pub deprecated: bool,
}

/// Who sets an attribute's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// The configuration must set it.
    Required,
    /// The configuration may set it; null otherwise.
    Optional,
    /// Only the provider sets it.
    Computed,
    /// The configuration may set it; the provider decides the value otherwise.
    OptionalComputed,
}

/// One attribute.
#[derive(Debug, Clone)]
pub struct Attribute {
    /// The attribute name.
    pub name: &'static str,
    /// Its cty type.
    pub ty: Type,
    /// Markdown description shown in docs and editors.
    pub description: String,
    /// Who sets it.
    pub presence: Presence,
    /// Hidden in plans and output (`(sensitive value)`).
    pub sensitive: bool,
    /// Write-only (Terraform 1.11+): the value reaches the provider only in the configuration,
    /// and plans and states carry null for it.
    pub write_only: bool,
}

impl Attribute {
    /// A new attribute; `sensitive` and `write_only` are off.
    pub fn new(name: &'static str, ty: Type, presence: Presence, description: &str) -> Self {
        Self {
            name,
            ty,
            description: description.to_owned(),
            presence,
            sensitive: false,
            write_only: false,
        }
    }

    /// The same attribute, marked sensitive.
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }

    /// The same attribute, marked write-only. Terraform before 1.11 does not know the flag and
    /// would store the value like any other: the resource must refuse it in `validate_config`
    /// unless the client capabilities allow write-only attributes.
    pub fn write_only(mut self) -> Self {
        self.write_only = true;
        self
    }

    /// Whether the configuration may set it.
    pub fn is_configurable(&self) -> bool {
        self.presence != Presence::Computed
    }
}

impl Schema {
    /// The object type of a value of this schema.
    pub fn object_type(&self) -> Type {
        Type::Object(
            self.block
                .attributes
                .iter()
                .map(|a| (a.name.to_owned(), a.ty.clone()))
                .collect(),
        )
    }

    /// The attribute named `name`.
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.block.attributes.iter().find(|a| a.name == name)
    }
}
