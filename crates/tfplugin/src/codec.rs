//! The one error type of the value codecs ([`crate::msgpack`], [`crate::json`]).

use std::fmt;

use super::path::{AttributePath, PathStep};

/// What a codec was doing when it failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// Decoding msgpack (a `DynamicValue` from Terraform).
    DecodeMsgpack,
    /// Decoding cty JSON (stored state, or a `DynamicValue` without msgpack).
    DecodeJson,
    /// Encoding msgpack (an answer to Terraform).
    EncodeMsgpack,
}

/// Why a value could not be decoded or encoded as the given type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodecError {
    /// What failed.
    pub operation: Operation,
    /// Where in the value the problem is (the root for syntax errors).
    pub path: AttributePath,
    /// What is wrong (never includes string contents from the input).
    pub reason: String,
}

impl CodecError {
    /// An error at the value being handled; callers above add the steps that led there.
    pub(crate) fn new(operation: Operation, reason: impl Into<String>) -> Self {
        Self {
            operation,
            path: AttributePath::default(),
            reason: reason.into(),
        }
    }

    /// The error as its caller sees it: `step` leads from there to here. Paths are only
    /// assembled on the way out of a failed conversion, so a successful one copies no attribute
    /// name for them.
    pub(crate) fn under(mut self, step: PathStep) -> Self {
        self.path.0.insert(0, step);
        self
    }
}

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.operation {
            Operation::DecodeMsgpack => "invalid msgpack value",
            Operation::DecodeJson => "invalid JSON value",
            Operation::EncodeMsgpack => "cannot encode value",
        };
        write!(f, "{what} at {}: {}", self.path, self.reason)
    }
}

impl std::error::Error for CodecError {}
