//! Every root output of any stack, by name, from its state object in S3: what
//! the other targets' settings use. Nothing is required of the stack; values
//! keep the shape Terraform's state gives them.

use std::collections::BTreeMap;
use std::fmt;

use crate::error::InfraError;
use crate::state::{self, RawOutput};
use crate::{Clients, StateLocation};

/// The root outputs of one state, by name.
#[derive(Debug, Clone, PartialEq)]
pub struct StackOutputs {
    location: StateLocation,
    outputs: BTreeMap<String, StackOutput>,
}

/// One output: its value and whether the stack marks it `sensitive`. Its
/// `Debug` hides a sensitive value; `value` itself is the value, for a caller
/// that must have it.
#[derive(Clone, PartialEq)]
pub struct StackOutput {
    pub value: OutputValue,
    pub sensitive: bool,
}

/// An output's value, typed as the state has it.
#[derive(Debug, Clone, PartialEq)]
pub enum OutputValue {
    String(String),
    /// As Terraform prints it: `3`, `0.25`.
    Number(String),
    Bool(bool),
    /// A list, tuple or set whose items are all strings, numbers or bools, each
    /// as text (a set in the order the state keeps it: sorted).
    List(Vec<String>),
    /// Anything else (a map, an object, a collection of collections or of
    /// nulls), as the state's JSON.
    Structured(serde_json::Value),
}

impl OutputValue {
    fn from_json(value: serde_json::Value) -> OutputValue {
        match value {
            serde_json::Value::String(s) => OutputValue::String(s),
            serde_json::Value::Number(n) => OutputValue::Number(n.to_string()),
            serde_json::Value::Bool(b) => OutputValue::Bool(b),
            serde_json::Value::Array(items) => match items.iter().map(scalar_text).collect() {
                Some(texts) => OutputValue::List(texts),
                None => OutputValue::Structured(serde_json::Value::Array(items)),
            },
            other => OutputValue::Structured(other),
        }
    }

    /// A string, number or bool as text (`3`, `true`); `None` for the others.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            OutputValue::String(s) | OutputValue::Number(s) => Some(s),
            OutputValue::Bool(true) => Some("true"),
            OutputValue::Bool(false) => Some("false"),
            OutputValue::List(_) | OutputValue::Structured(_) => None,
        }
    }

    /// A list of scalars as texts; `None` for the others.
    pub fn as_list(&self) -> Option<&[String]> {
        match self {
            OutputValue::List(items) => Some(items),
            _ => None,
        }
    }

    /// As JSON, the state's shape (e.g. to pass on as another stack's input
    /// variable).
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            OutputValue::String(s) => s.as_str().into(),
            OutputValue::Number(n) => serde_json::from_str(n).unwrap_or_else(|_| n.as_str().into()),
            OutputValue::Bool(b) => (*b).into(),
            OutputValue::List(items) => items.clone().into(),
            OutputValue::Structured(value) => value.clone(),
        }
    }

    /// What it is, for messages: `a string`, `a list`, `a map or object`...
    pub fn kind(&self) -> &'static str {
        match self {
            OutputValue::String(_) => "a string",
            OutputValue::Number(_) => "a number",
            OutputValue::Bool(_) => "a bool",
            OutputValue::List(_) => "a list",
            OutputValue::Structured(serde_json::Value::Array(_)) => {
                "a list holding collections or nulls"
            }
            OutputValue::Structured(_) => "a map or object",
        }
    }
}

/// A string, number or bool item as text.
fn scalar_text(item: &serde_json::Value) -> Option<String> {
    match item {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A sensitive value never shows in a debug print.
/// As text: a string, number or bool as it is, a list as `[a, b]`, the rest as JSON.
impl fmt::Display for OutputValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OutputValue::String(s) | OutputValue::Number(s) => f.write_str(s),
            OutputValue::Bool(b) => write!(f, "{b}"),
            OutputValue::List(items) => write!(f, "[{}]", items.join(", ")),
            OutputValue::Structured(v) => write!(f, "{v}"),
        }
    }
}

impl fmt::Debug for StackOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("StackOutput");
        if self.sensitive {
            s.field("value", &format_args!("<sensitive {}>", self.value.kind()));
        } else {
            s.field("value", &self.value);
        }
        s.field("sensitive", &self.sensitive).finish()
    }
}

impl StackOutputs {
    /// Parses a state file (format version 4).
    pub fn from_state(location: &StateLocation, bytes: &[u8]) -> Result<StackOutputs, InfraError> {
        let outputs = state::outputs(location, bytes)?
            .into_iter()
            .map(|(name, RawOutput { value, sensitive })| {
                let output = StackOutput {
                    value: OutputValue::from_json(value),
                    sensitive,
                };
                (name, output)
            })
            .collect();
        Ok(StackOutputs {
            location: location.clone(),
            outputs,
        })
    }

    /// Where the state was read from.
    pub fn location(&self) -> &StateLocation {
        &self.location
    }

    pub fn get(&self, name: &str) -> Option<&StackOutput> {
        self.outputs.get(name)
    }

    /// Every output's name, sorted.
    pub fn names(&self) -> Vec<&str> {
        self.outputs.keys().map(String::as_str).collect()
    }

    /// A string, number or bool output as text. Refused: an unknown name (the
    /// error lists the state's outputs), a sensitive output, any other value.
    pub fn text(&self, name: &str) -> Result<&str, InfraError> {
        let value = self.value(name)?;
        value.as_text().ok_or_else(|| {
            self.error(
                name,
                format!(
                    "{}, which has no single text value (a string, number or bool is needed)",
                    value.kind()
                ),
            )
        })
    }

    /// A list, tuple or set of strings, numbers or bools, as texts. Refused as
    /// [`StackOutputs::text`] refuses.
    pub fn list(&self, name: &str) -> Result<&[String], InfraError> {
        let value = self.value(name)?;
        value.as_list().ok_or_else(|| {
            self.error(
                name,
                format!("{}, not a list of strings, numbers or bools", value.kind()),
            )
        })
    }

    /// An output's value, whatever its type. Refused: an unknown name (the
    /// error lists the state's outputs), a sensitive output.
    pub fn value(&self, name: &str) -> Result<&OutputValue, InfraError> {
        let output = self.get(name).ok_or_else(|| {
            let names = self.names();
            self.error(
                name,
                if names.is_empty() {
                    "not in the state, which has no outputs".to_string()
                } else {
                    format!("not in the state (it has: {})", names.join(", "))
                },
            )
        })?;
        if output.sensitive {
            return Err(self.error(
                name,
                "marked sensitive in the stack, so its value is not handed out (it would show in logs and records)",
            ));
        }
        Ok(&output.value)
    }

    fn error(&self, name: &str, message: impl Into<String>) -> InfraError {
        InfraError::output(&self.location, name, message)
    }
}

/// Reads a stack's state object and every output in it.
/// [`InfraError::StateNotFound`]: there is no state object (the stack was
/// never applied there); any other error: the state could not be read.
pub async fn read_stack_outputs(
    clients: &Clients,
    location: &StateLocation,
) -> Result<StackOutputs, InfraError> {
    let bytes = state::fetch(clients, location).await?;
    StackOutputs::from_state(location, &bytes)
}
