//! GitHub Actions, as far as the generated workflows use it, to read a workflow
//! the way GitHub runs it: whether a push starts it (branch and path filters),
//! which jobs run and in which order (`needs`, job `if:` expressions with
//! GitHub's status-check rules), what a job outputs, and a job's `run:` steps
//! run with bash, each step's `env:` expressions filled in.
//!
//! What a job that talks to AWS does is the test's to say (its result and its
//! steps' outputs): [`Workflow::run`] asks a closure for it. The expression
//! language is the subset the workflows use: literals, context paths with
//! `*`, `!`, `&&`, `||`, `==`, `!=`, parentheses, and the functions
//! `success()`, `always()`, `cancelled()`, `failure()`, `contains`, `fromJSON`
//! and `toJSON`. Anything else panics, so a workflow that starts using more
//! fails here instead of being misread.

use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;

/// A workflow file, parsed.
pub struct Workflow {
    doc: serde_yaml_ng::Value,
}

/// What a job did: `success`, `failure`, `cancelled` or `skipped`, and the
/// outputs of its steps by step id.
#[derive(Debug, Clone, Default)]
pub struct JobRun {
    pub result: String,
    pub steps: BTreeMap<String, BTreeMap<String, String>>,
}

impl JobRun {
    pub fn success() -> JobRun {
        JobRun {
            result: "success".into(),
            ..JobRun::default()
        }
    }

    pub fn failure() -> JobRun {
        JobRun {
            result: "failure".into(),
            ..JobRun::default()
        }
    }

    /// Success, with step `step`'s output `key`.
    pub fn with_output(mut self, step: &str, key: &str, value: &str) -> JobRun {
        self.steps
            .entry(step.into())
            .or_default()
            .insert(key.into(), value.into());
        self
    }
}

/// A run of the workflow: the jobs in the order they started (those that
/// ran), and every job's `needs` entry (result and outputs).
#[derive(Debug, Clone, Default)]
pub struct Run {
    pub started: Vec<String>,
    pub needs: BTreeMap<String, Value>,
}

impl Run {
    pub fn result(&self, job: &str) -> &str {
        self.needs[job]["result"].as_str().unwrap()
    }

    pub fn ran(&self, job: &str) -> bool {
        self.started.iter().any(|j| j == job)
    }

    /// Where `job` started, among the jobs that ran.
    pub fn position(&self, job: &str) -> usize {
        self.started
            .iter()
            .position(|j| j == job)
            .unwrap_or_else(|| panic!("{job} did not run: {:?}", self.started))
    }
}

impl Workflow {
    pub fn load(path: &Path) -> Workflow {
        let text = std::fs::read_to_string(path).unwrap();
        Workflow {
            doc: serde_yaml_ng::from_str(&text).unwrap(),
        }
    }

    /// Whether a push of `paths` to `branch` starts the workflow.
    pub fn runs_on_push(&self, branch: &str, paths: &[&str]) -> bool {
        let push = &self.doc["on"]["push"];
        if push.is_null() {
            return false;
        }
        let list = |key: &str| -> Option<Vec<String>> {
            serde_yaml_ng::from_value(push.get(key)?.clone()).ok()
        };
        if let Some(branches) = list("branches") {
            let filter = path_filter::PathFilter::new(&branches).unwrap();
            if !filter.matches(branch) {
                return false;
            }
        }
        match list("paths") {
            Some(patterns) => {
                let filter = path_filter::PathFilter::new(&patterns).unwrap();
                paths.iter().any(|p| filter.matches(p))
            }
            None => true,
        }
    }

    /// The job ids, in file order.
    pub fn jobs(&self) -> Vec<String> {
        self.doc["jobs"]
            .as_mapping()
            .unwrap()
            .keys()
            .map(|k| k.as_str().unwrap().to_string())
            .collect()
    }

    pub fn job(&self, id: &str) -> &serde_yaml_ng::Value {
        &self.doc["jobs"][id]
    }

    pub fn needs(&self, id: &str) -> Vec<String> {
        match &self.job(id)["needs"] {
            serde_yaml_ng::Value::Null => Vec::new(),
            serde_yaml_ng::Value::String(s) => vec![s.clone()],
            other => serde_yaml_ng::from_value(other.clone()).unwrap(),
        }
    }

    /// The `run:` scripts of a job's steps.
    pub fn scripts(&self, id: &str) -> Vec<String> {
        self.job(id)["steps"]
            .as_sequence()
            .unwrap()
            .iter()
            .filter_map(|s| s["run"].as_str().map(str::to_owned))
            .collect()
    }

    /// The `uses:` of a job's steps.
    pub fn uses(&self, id: &str) -> Vec<String> {
        self.job(id)["steps"]
            .as_sequence()
            .unwrap()
            .iter()
            .filter_map(|s| s["uses"].as_str().map(str::to_owned))
            .collect()
    }

    /// Runs the jobs as GitHub would: a job starts once every job it needs
    /// has finished, if its `if:` holds (else it is skipped); `execute` says
    /// what a job that runs did. `context` holds `inputs` and `github`.
    pub fn run(&self, context: &Value, mut execute: impl FnMut(&str, &Run) -> JobRun) -> Run {
        let mut run = Run::default();
        let jobs = self.jobs();
        while run.needs.len() < jobs.len() {
            let ready = jobs
                .iter()
                .find(|j| {
                    !run.needs.contains_key(*j)
                        && self.needs(j).iter().all(|n| run.needs.contains_key(n))
                })
                .unwrap_or_else(|| panic!("a cycle in needs: {:?}", run.needs.keys()))
                .clone();
            let mut ctx = context.clone();
            ctx["needs"] = Value::Object(
                self.needs(&ready)
                    .iter()
                    .map(|n| (n.clone(), run.needs[n].clone()))
                    .collect(),
            );
            let condition = self.job(&ready)["if"].as_str().map(unwrap_expression);
            let runs = match condition {
                None => status_ok(&ctx),
                Some(expr) => {
                    let mut value = eval(expr, &ctx);
                    if !uses_status_function(expr) {
                        value = Value::Bool(status_ok(&ctx) && truthy(&value));
                    }
                    truthy(&value)
                }
            };
            let entry = if runs {
                run.started.push(ready.clone());
                let done = execute(&ready, &run);
                let steps = json!({ "steps": done
                    .steps
                    .iter()
                    .map(|(id, outs)| (id.clone(), json!({ "outputs": outs })))
                    .collect::<serde_json::Map<_, _>>() });
                let outputs: serde_json::Map<String, Value> = self.job(&ready)["outputs"]
                    .as_mapping()
                    .map(|m| {
                        m.iter()
                            .map(|(k, v)| {
                                let k = k.as_str().unwrap().to_string();
                                (k, Value::String(interpolate(v.as_str().unwrap(), &steps)))
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                json!({ "result": done.result, "outputs": outputs })
            } else {
                json!({ "result": "skipped", "outputs": {} })
            };
            run.needs.insert(ready, entry);
        }
        run
    }

    /// The `env:` of a job's step `name` (by `id` or `name`), its expressions
    /// filled from `context` (with the job's `needs` from `run`).
    pub fn step_env(
        &self,
        job: &str,
        step: &str,
        context: &Value,
        run: &Run,
    ) -> BTreeMap<String, String> {
        let mut ctx = context.clone();
        ctx["needs"] = Value::Object(
            self.needs(job)
                .iter()
                .filter_map(|n| Some((n.clone(), run.needs.get(n)?.clone())))
                .collect(),
        );
        let step = self.step(job, step);
        step["env"]
            .as_mapping()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| {
                        let v = match v {
                            serde_yaml_ng::Value::String(s) => interpolate(s, &ctx),
                            other => serde_yaml_ng::to_string(other).unwrap().trim().to_string(),
                        };
                        (k.as_str().unwrap().to_string(), v)
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    fn step(&self, job: &str, step: &str) -> &serde_yaml_ng::Value {
        self.job(job)["steps"]
            .as_sequence()
            .unwrap()
            .iter()
            .find(|s| s["id"].as_str() == Some(step) || s["name"].as_str() == Some(step))
            .unwrap_or_else(|| panic!("no step {step} in job {job}"))
    }

    /// Runs step `step` of `job` with bash in `dir`, its `env:` filled in and
    /// `extra_env` added; returns the command's output and what it wrote to
    /// `$GITHUB_OUTPUT`.
    pub fn run_step(
        &self,
        job: &str,
        step: &str,
        dir: &Path,
        context: &Value,
        run: &Run,
        extra_env: &[(&str, &str)],
    ) -> (std::process::Output, BTreeMap<String, String>) {
        let script = self.step(job, step)["run"].as_str().unwrap().to_string();
        let outputs = tempfile::NamedTempFile::new().unwrap();
        let summary = tempfile::NamedTempFile::new().unwrap();
        let out = std::process::Command::new("bash")
            .args(["-e", "-c", &script])
            .current_dir(dir)
            .envs(self.step_env(job, step, context, run))
            .envs(extra_env.iter().copied())
            .env("GITHUB_OUTPUT", outputs.path())
            .env("GITHUB_STEP_SUMMARY", summary.path())
            .output()
            .unwrap();
        let written = std::fs::read_to_string(outputs.path()).unwrap();
        let pairs = written
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        (out, pairs)
    }
}

/// `${{ x }}` → `x`; a bare expression as it is.
fn unwrap_expression(s: &str) -> &str {
    let t = s.trim();
    t.strip_prefix("${{")
        .and_then(|t| t.strip_suffix("}}"))
        .map_or(t, str::trim)
}

fn uses_status_function(expr: &str) -> bool {
    ["success()", "always()", "cancelled()", "failure()"]
        .iter()
        .any(|f| expr.contains(f))
}

/// `success()` for a job: every job it needs succeeded.
fn status_ok(ctx: &Value) -> bool {
    ctx["needs"]
        .as_object()
        .is_none_or(|n| n.values().all(|j| j["result"] == "success"))
}

/// Fills every `${{ expr }}` of `s`.
pub fn interpolate(s: &str, ctx: &Value) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("}}").expect("unclosed ${{") + start;
        out.push_str(&to_text(&eval(&rest[start + 3..end], ctx)));
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

fn to_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        other => serde_json::to_string_pretty(other).unwrap(),
    }
}

/// An expression's value as `if:` reads it.
pub fn truthy_value(v: &Value) -> bool {
    truthy(v)
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.is_empty(),
        _ => true,
    }
}

/// GitHub's `==`: strings case-insensitively; values of different types
/// compared as numbers (`null` and `''` are 0, so `null == ''`).
fn equal(a: &Value, b: &Value) -> bool {
    let number = |v: &Value| -> f64 {
        match v {
            Value::Null => 0.0,
            Value::Bool(b) => f64::from(u8::from(*b)),
            Value::Number(n) => n.as_f64().unwrap_or(f64::NAN),
            Value::String(s) if s.trim().is_empty() => 0.0,
            Value::String(s) => s.trim().parse().unwrap_or(f64::NAN),
            _ => f64::NAN,
        }
    };
    match (a, b) {
        (Value::String(a), Value::String(b)) => a.eq_ignore_ascii_case(b),
        (Value::Array(_) | Value::Object(_), _) | (_, Value::Array(_) | Value::Object(_)) => a == b,
        _ if std::mem::discriminant(a) == std::mem::discriminant(b) => a == b,
        _ => number(a) == number(b),
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Str(String),
    Num(f64),
    Ident(String),
    Op(&'static str),
}

fn tokens(expr: &str) -> Vec<Token> {
    let chars: Vec<char> = expr.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '\'' {
            let mut s = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                        s.push('\'');
                        i += 2;
                    }
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some(ch) => {
                        s.push(*ch);
                        i += 1;
                    }
                    None => panic!("unclosed string in {expr}"),
                }
            }
            out.push(Token::Str(s));
        } else if let Some(op) = ["&&", "||", "==", "!="]
            .into_iter()
            .find(|op| expr[expr.char_indices().nth(i).unwrap().0..].starts_with(op))
        {
            out.push(Token::Op(op));
            i += 2;
        } else if let Some(op) = ["!", "(", ")", ","]
            .into_iter()
            .find(|op| op.starts_with(c))
        {
            out.push(Token::Op(op));
            i += 1;
        } else if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            let n: String = chars[start..i].iter().collect();
            out.push(Token::Num(n.parse().unwrap()));
        } else if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || matches!(chars[i], '_' | '-' | '.' | '*'))
            {
                i += 1;
            }
            out.push(Token::Ident(chars[start..i].iter().collect()));
        } else {
            panic!("unexpected {c:?} in {expr}");
        }
    }
    out
}

/// Evaluates a GitHub expression (the subset above) against `ctx`.
pub fn eval(expr: &str, ctx: &Value) -> Value {
    let tokens = tokens(expr);
    let mut parser = Parser {
        tokens: &tokens,
        at: 0,
        ctx,
    };
    let value = parser.or();
    assert_eq!(parser.at, tokens.len(), "trailing tokens in {expr}");
    value
}

struct Parser<'a> {
    tokens: &'a [Token],
    at: usize,
    ctx: &'a Value,
}

impl Parser<'_> {
    fn peek_op(&self, op: &str) -> bool {
        matches!(self.tokens.get(self.at), Some(Token::Op(o)) if *o == op)
    }

    fn expect_op(&mut self, op: &str) {
        assert!(self.peek_op(op), "expected {op} at token {}", self.at);
        self.at += 1;
    }

    fn or(&mut self) -> Value {
        let mut left = self.and();
        while self.peek_op("||") {
            self.at += 1;
            let right = self.and();
            left = if truthy(&left) { left } else { right };
        }
        left
    }

    fn and(&mut self) -> Value {
        let mut left = self.comparison();
        while self.peek_op("&&") {
            self.at += 1;
            let right = self.comparison();
            left = if truthy(&left) { right } else { left };
        }
        left
    }

    fn comparison(&mut self) -> Value {
        let left = self.unary();
        for (op, want) in [("==", true), ("!=", false)] {
            if self.peek_op(op) {
                self.at += 1;
                let right = self.unary();
                return Value::Bool(equal(&left, &right) == want);
            }
        }
        left
    }

    fn unary(&mut self) -> Value {
        if self.peek_op("!") {
            self.at += 1;
            return Value::Bool(!truthy(&self.unary()));
        }
        self.primary()
    }

    fn primary(&mut self) -> Value {
        let token = self.tokens[self.at].clone();
        self.at += 1;
        match token {
            Token::Op("(") => {
                let v = self.or();
                self.expect_op(")");
                v
            }
            Token::Str(s) => Value::String(s),
            Token::Num(n) => json!(n),
            Token::Ident(name) if self.peek_op("(") => {
                self.at += 1;
                let mut args = Vec::new();
                while !self.peek_op(")") {
                    args.push(self.or());
                    if self.peek_op(",") {
                        self.at += 1;
                    }
                }
                self.at += 1;
                self.call(&name, &args)
            }
            Token::Ident(name) => match name.as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                "null" => Value::Null,
                path => lookup(self.ctx, path),
            },
            other => panic!("unexpected {other:?}"),
        }
    }

    fn call(&self, name: &str, args: &[Value]) -> Value {
        match (name, args) {
            ("success", []) => Value::Bool(status_ok(self.ctx)),
            ("always", []) => Value::Bool(true),
            ("cancelled", []) => Value::Bool(false),
            ("failure", []) => Value::Bool(
                self.ctx["needs"]
                    .as_object()
                    .is_some_and(|n| n.values().any(|j| j["result"] == "failure")),
            ),
            ("contains", [Value::Array(items), item]) => {
                Value::Bool(items.iter().any(|i| equal(i, item)))
            }
            ("contains", [Value::String(s), item]) => {
                Value::Bool(s.to_lowercase().contains(&to_text(item).to_lowercase()))
            }
            ("contains", [_, _]) => Value::Bool(false),
            ("fromJSON", [Value::String(s)]) => {
                serde_json::from_str(s).unwrap_or_else(|e| panic!("fromJSON({s:?}): {e}"))
            }
            ("toJSON", [v]) => Value::String(serde_json::to_string_pretty(v).unwrap()),
            ("hashFiles", patterns) if !patterns.is_empty() => {
                Value::String(hash_files(self.ctx, patterns))
            }
            _ => panic!("unsupported call {name}({args:?})"),
        }
    }
}

/// GitHub's `hashFiles(...)`: one hash of the files under
/// `github.workspace` that match any pattern (GitHub's glob rules), in path
/// order, or `''` when none does. The hash itself is not GitHub's SHA-256; a
/// key depends on the same files.
fn hash_files(ctx: &Value, patterns: &[Value]) -> String {
    use std::hash::{Hash, Hasher};
    let root = ctx["github"]["workspace"]
        .as_str()
        .expect("hashFiles needs github.workspace in the context");
    let patterns: Vec<String> = patterns.iter().map(to_text).collect();
    let filter = path_filter::PathFilter::new(&patterns).unwrap();
    let mut files = Vec::new();
    let mut todo = vec![std::path::PathBuf::from(root)];
    while let Some(dir) = todo.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                if entry.file_name() != ".git" {
                    todo.push(path);
                }
            } else {
                let rel = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                if filter.matches(&rel) {
                    files.push(rel);
                }
            }
        }
    }
    if files.is_empty() {
        return String::new();
    }
    files.sort();
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for f in &files {
        f.hash(&mut hasher);
        std::fs::read(Path::new(root).join(f))
            .unwrap()
            .hash(&mut hasher);
    }
    format!("{:016x}", hasher.finish())
}

/// `a.b.c`, `needs.*.result`: a missing property is null.
fn lookup(ctx: &Value, path: &str) -> Value {
    let mut current = vec![ctx.clone()];
    let mut spread = false;
    for part in path.split('.') {
        if part == "*" {
            current = current
                .iter()
                .flat_map(|v| match v {
                    Value::Object(m) => m.values().cloned().collect::<Vec<_>>(),
                    Value::Array(a) => a.clone(),
                    _ => Vec::new(),
                })
                .collect();
            spread = true;
        } else {
            current = current
                .iter()
                .map(|v| v.get(part).cloned().unwrap_or(Value::Null))
                .collect();
        }
    }
    if spread {
        Value::Array(current)
    } else {
        current.pop().unwrap_or(Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expressions_evaluate_as_on_github() {
        let ctx = json!({
            "needs": {
                "plan": { "result": "success", "outputs": { "targets": "[\"api\",\"web\"]" } },
                "shared": { "result": "skipped", "outputs": {} }
            },
            "inputs": {}
        });
        let t = |e: &str| truthy(&eval(e, &ctx));
        assert!(t("contains(fromJSON(needs.plan.outputs.targets), 'api')"));
        assert!(!t(
            "contains(fromJSON(needs.plan.outputs.targets), 'shared')"
        ));
        assert!(t("!contains(needs.*.result, 'failure')"));
        assert!(t("contains(needs.*.result, 'skipped')"));
        assert!(t("needs.shared.result == 'SKIPPED'"));
        assert!(t("needs.shared.outputs.fingerprint == ''"));
        assert_eq!(eval("inputs.targets || 'changed'", &ctx), json!("changed"));
        assert!(!t("!cancelled() && needs.shared.result == 'success'"));
        assert_eq!(
            interpolate("x=${{ needs.plan.result }}!", &ctx),
            "x=success!"
        );
    }
}
