//! Policy documents as IAM reads them: statements of actions on resources,
//! some with a condition, rendered to IAM's JSON.

use serde_json::{json, Map, Value};

/// One `Allow` statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// Letters and digits only (IAM's rule for `Sid`).
    pub sid: String,
    pub actions: Vec<&'static str>,
    /// ARNs, or `*` where the actions take no resource.
    pub resources: Vec<String>,
    /// IAM's `Condition` block, when the statement has one.
    pub condition: Option<Value>,
}

impl Statement {
    pub fn new(sid: &str, actions: &[&'static str], resources: Vec<String>) -> Statement {
        Statement {
            sid: sid.to_string(),
            actions: actions.to_vec(),
            resources,
            condition: None,
        }
    }

    pub fn when(mut self, condition: Value) -> Statement {
        self.condition = Some(condition);
        self
    }
}

/// A policy document: its statements, in the order they were added; those
/// with the same Sid, actions and condition are one (their resources joined),
/// so two targets of a kind share their statements.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Document {
    pub statements: Vec<Statement>,
}

impl Document {
    pub fn add(&mut self, statement: Statement) {
        if let Some(same) = self.statements.iter_mut().find(|s| {
            s.sid == statement.sid
                && s.actions == statement.actions
                && s.condition == statement.condition
        }) {
            for r in statement.resources {
                if !same.resources.contains(&r) {
                    same.resources.push(r);
                }
            }
            return;
        }
        if !statement.resources.is_empty() {
            self.statements.push(statement);
        }
    }

    pub fn extend(&mut self, statements: impl IntoIterator<Item = Statement>) {
        for s in statements {
            self.add(s);
        }
    }

    /// Adds what `statements` allow beyond what the document allows already
    /// (a statement whose every action and resource it names is dropped).
    pub fn extend_uncovered(&mut self, statements: impl IntoIterator<Item = Statement>) {
        for s in statements {
            let covered = s.actions.iter().all(|action| {
                s.resources.iter().all(|resource| {
                    self.statements.iter().any(|have| {
                        have.condition.is_none()
                            && have.actions.contains(action)
                            && have.resources.contains(resource)
                    })
                })
            });
            if !covered {
                self.add(s);
            }
        }
    }

    /// The document as IAM's JSON, indented, its keys in IAM's usual order
    /// (Sid, Effect, Action, Resource, Condition).
    pub fn to_pretty(&self) -> String {
        let json = self.to_json();
        let statements: Vec<String> = json["Statement"]
            .as_array()
            .expect("a list")
            .iter()
            .map(|s| {
                let fields: Vec<String> = ["Sid", "Effect", "Action", "Resource", "Condition"]
                    .iter()
                    .filter(|k| !s[**k].is_null())
                    .map(|k| format!("      \"{k}\": {}", indented(&s[*k], 6)))
                    .collect();
                format!("    {{\n{}\n    }}", fields.join(",\n"))
            })
            .collect();
        format!(
            "{{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n{}\n  ]\n}}",
            statements.join(",\n")
        )
    }

    /// The document as IAM's JSON (`Version` 2012-10-17), Sids made unique.
    pub fn to_json(&self) -> Value {
        let mut seen = std::collections::BTreeMap::<String, usize>::new();
        let statements: Vec<Value> = self
            .statements
            .iter()
            .map(|s| {
                let n = seen.entry(s.sid.clone()).or_insert(0);
                *n += 1;
                let sid = if *n == 1 {
                    s.sid.clone()
                } else {
                    format!("{}{}", s.sid, n)
                };
                let mut out = Map::new();
                out.insert("Sid".into(), json!(sid));
                out.insert("Effect".into(), json!("Allow"));
                out.insert("Action".into(), one_or_many(&s.actions));
                out.insert("Resource".into(), one_or_many(&s.resources));
                if let Some(c) = &s.condition {
                    out.insert("Condition".into(), c.clone());
                }
                Value::Object(out)
            })
            .collect();
        json!({"Version": "2012-10-17", "Statement": statements})
    }
}

/// `value` pretty-printed, its lines after the first indented by `by`.
fn indented(value: &Value, by: usize) -> String {
    let text = serde_json::to_string_pretty(value).expect("JSON values serialize");
    text.replace('\n', &format!("\n{}", " ".repeat(by)))
}

fn one_or_many<T: AsRef<str>>(items: &[T]) -> Value {
    match items {
        [one] => json!(one.as_ref()),
        many => json!(many.iter().map(|s| s.as_ref()).collect::<Vec<_>>()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_actions_merge_and_sids_stay_unique() {
        let mut doc = Document::default();
        doc.add(Statement::new(
            "Site",
            &["s3:ListBucket"],
            vec!["arn:aws:s3:::a".into()],
        ));
        doc.add(Statement::new(
            "Site",
            &["s3:ListBucket"],
            vec!["arn:aws:s3:::b".into()],
        ));
        doc.add(Statement::new(
            "Site",
            &["s3:GetObject"],
            vec!["arn:aws:s3:::a/*".into()],
        ));
        let json = doc.to_json();
        assert_eq!(
            json["Statement"][0]["Resource"],
            json!(["arn:aws:s3:::a", "arn:aws:s3:::b"])
        );
        assert_eq!(json["Statement"][1]["Sid"], "Site2");
        assert_eq!(json["Statement"][1]["Resource"], "arn:aws:s3:::a/*");
    }
}
