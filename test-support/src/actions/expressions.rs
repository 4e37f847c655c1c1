//! GitHub's expression language, the subset the workflows use: literals,
//! context paths with `*`, `!`, `&&`, `||`, `==`, `!=`, parentheses, and the
//! functions `success()`, `always()`, `cancelled()`, `failure()`, `contains`,
//! `fromJSON` and `toJSON`. Anything else panics.

use serde_json::{json, Value};

/// `success()` for a job: every job it needs succeeded.
pub(super) fn status_ok(ctx: &Value) -> bool {
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
pub fn truthy(v: &Value) -> bool {
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
        live: true,
    };
    let value = parser.or();
    assert_eq!(parser.at, tokens.len(), "trailing tokens in {expr}");
    value
}

struct Parser<'a> {
    tokens: &'a [Token],
    at: usize,
    ctx: &'a Value,
    /// False on the side of `&&`/`||` that GitHub does not evaluate (it
    /// short-circuits): calls there are not made, so `fromJSON('')` behind a
    /// false `&&` is no error, as on GitHub.
    live: bool,
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
            let live = self.live;
            self.live = live && !truthy(&left);
            let right = self.and();
            self.live = live;
            left = if truthy(&left) { left } else { right };
        }
        left
    }

    fn and(&mut self) -> Value {
        let mut left = self.comparison();
        while self.peek_op("&&") {
            self.at += 1;
            let live = self.live;
            self.live = live && truthy(&left);
            let right = self.comparison();
            self.live = live;
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
        if !self.live {
            return Value::Null;
        }
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
                let patterns: Vec<String> = patterns.iter().map(to_text).collect();
                Value::String(super::hash_files::hash_files(self.ctx, &patterns))
            }
            _ => panic!("unsupported call {name}({args:?})"),
        }
    }
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
        // GitHub short-circuits: a call behind a false `&&` (or a true `||`)
        // is not made, so `fromJSON('')` there is no error.
        assert!(!t(
            "needs.shared.result == 'success' && contains(fromJSON(needs.shared.outputs.targets), 'x')"
        ));
        assert!(t(
            "needs.plan.result == 'success' || contains(fromJSON(needs.shared.outputs.targets), 'x')"
        ));
    }
}
