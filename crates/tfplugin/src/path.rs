//! Attribute paths: where in a value something is, in Terraform's own terms (an attribute, a map
//! or set-of-strings key, a list index). Diagnostics point with them and the codecs' errors
//! ([`crate::codec::CodecError`]) say with them where decoding or encoding stopped.

use std::fmt;

/// A step from a value into one of its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathStep {
    /// An attribute of an object.
    Attribute(String),
    /// An element of a map, or of a set of strings (the element is its own key).
    ElementKeyString(String),
    /// An element of a list, set or tuple (for sets: its position on the wire).
    ElementKeyInt(i64),
}

impl PathStep {
    /// The step to the element at `index`.
    pub fn index(index: usize) -> Self {
        Self::ElementKeyInt(i64::try_from(index).unwrap_or(i64::MAX))
    }
}

/// Where in a configuration, state or value something is, e.g. `ip_allowlist["10.0.0.5/24"]`,
/// `tags[2]`; it prints as `(root)` for the value itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttributePath(pub Vec<PathStep>);

impl AttributePath {
    /// The path to a top-level attribute.
    pub fn attribute(name: &str) -> Self {
        Self(vec![PathStep::Attribute(name.to_owned())])
    }

    /// This path extended into an attribute of the object it points at.
    pub fn attr(mut self, name: &str) -> Self {
        self.0.push(PathStep::Attribute(name.to_owned()));
        self
    }

    /// This path extended to a set-of-strings element (or map key).
    pub fn key(mut self, key: &str) -> Self {
        self.0.push(PathStep::ElementKeyString(key.to_owned()));
        self
    }

    /// This path extended to a list element.
    pub fn index(mut self, index: i64) -> Self {
        self.0.push(PathStep::ElementKeyInt(index));
        self
    }
}

impl fmt::Display for AttributePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(root)");
        }
        for (i, step) in self.0.iter().enumerate() {
            match step {
                PathStep::Attribute(name) if i == 0 => write!(f, "{}", clip(name))?,
                PathStep::Attribute(name) => write!(f, ".{}", clip(name))?,
                PathStep::ElementKeyString(key) => write!(f, "[{:?}]", clip(key))?,
                PathStep::ElementKeyInt(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// Names and keys in messages are cut short so a hostile or huge key (from a decoded value)
/// cannot flood logs.
fn clip(s: &str) -> &str {
    match s.char_indices().nth(64) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_print_like_terraform_addresses() {
        let path = AttributePath::attribute("ip_allowlist").key("10.0.0.5/24");
        assert_eq!(path.to_string(), "ip_allowlist[\"10.0.0.5/24\"]");
        let path = AttributePath::attribute("keys").index(2).attr("name");
        assert_eq!(path.to_string(), "keys[2].name");
        assert_eq!(AttributePath::default().to_string(), "(root)");
        let long = "k".repeat(100);
        assert_eq!(AttributePath::attribute(&long).to_string(), "k".repeat(64));
    }
}
