//! Just enough of Terraform's language to read a root module's declarations:
//! variable and output names, the backend block, the AWS provider's region,
//! local module sources and remote-state keys. Comments are removed first;
//! anything more dynamic than a literal string is not read ("where it can
//! tell").

use regex::Regex;

/// What one root module (an `environments/<env>/` folder) declares.
#[derive(Debug, Clone, Default)]
pub struct Module {
    pub variables: Vec<String>,
    pub outputs: Vec<String>,
    /// `backend "TYPE" { ... }`: its type and literal settings.
    pub backend: Option<Backend>,
    pub provider_region: Option<String>,
    /// `source = "../modules/vpc"`: local module folders as written.
    pub module_sources: Vec<String>,
    /// `data "terraform_remote_state"`: the literal `key`s it reads.
    pub remote_state_keys: Vec<String>,
    /// Variables given a value in the folder's tfvars files.
    pub assigned: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Backend {
    pub kind: String,
    pub bucket: Option<String>,
    pub key: Option<String>,
    pub region: Option<String>,
}

fn re(s: &str) -> Regex {
    Regex::new(s).expect("a valid regex")
}

/// Reads one `.tf` file's text into `module`.
pub fn read_tf(text: &str, module: &mut Module) {
    let text = strip_comments(text);
    for c in re(r#"(?m)^\s*variable\s+"([^"]+)""#).captures_iter(&text) {
        module.variables.push(c[1].to_string());
    }
    for c in re(r#"(?m)^\s*output\s+"([^"]+)""#).captures_iter(&text) {
        module.outputs.push(c[1].to_string());
    }
    for (start, kind) in re(r#"\bbackend\s+"([^"]+)"\s*\{"#)
        .captures_iter(&text)
        .map(|c| (c.get(0).expect("a match").end(), c[1].to_string()))
    {
        let body = block(&text[start..]);
        module.backend = Some(Backend {
            kind,
            bucket: attribute(body, "bucket"),
            key: attribute(body, "key"),
            region: attribute(body, "region"),
        });
    }
    for start in re(r#"\bprovider\s+"aws"\s*\{"#)
        .find_iter(&text)
        .map(|m| m.end())
    {
        if let Some(region) = attribute(block(&text[start..]), "region") {
            module.provider_region.get_or_insert(region);
        }
    }
    for c in re(r#"\bsource\s*=\s*"(\.\.?/[^"]*)""#).captures_iter(&text) {
        module.module_sources.push(c[1].to_string());
    }
    for start in re(r#"\bdata\s+"terraform_remote_state"\s+"[^"]+"\s*\{"#)
        .find_iter(&text)
        .map(|m| m.end())
    {
        if let Some(key) = attribute(block(&text[start..]), "key") {
            module.remote_state_keys.push(key);
        }
    }
}

/// Reads a tfvars file (HCL or JSON) into the assigned variables.
pub fn read_tfvars(name: &str, text: &str, module: &mut Module) {
    if name.ends_with(".json") {
        if let Ok(serde_json::Value::Object(map)) = serde_json::from_str(text) {
            module.assigned.extend(map.keys().cloned());
        }
        return;
    }
    let text = strip_comments(text);
    for c in re(r"(?m)^\s*([A-Za-z_][A-Za-z0-9_-]*)\s*=").captures_iter(&text) {
        module.assigned.push(c[1].to_string());
    }
}

/// The text of a block whose `{` was just read, up to its `}`.
fn block(rest: &str) -> &str {
    let mut depth = 1;
    for (i, c) in rest.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return &rest[..i];
                }
            }
            _ => {}
        }
    }
    rest
}

/// `name = "literal"` in a block (not an interpolation).
fn attribute(body: &str, name: &str) -> Option<String> {
    let c = re(&format!(r#"(?m)^\s*{name}\s*=\s*"([^"$]*)""#)).captures(body)?;
    Some(c[1].to_string())
}

/// Without `#`, `//` and `/* */` comments (outside strings).
fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            if c == '\\' {
                if let Some(n) = chars.next() {
                    out.push(n);
                }
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '#' => skip_line(&mut chars, &mut out),
            '/' if chars.peek() == Some(&'/') => skip_line(&mut chars, &mut out),
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut last = ' ';
                for n in chars.by_ref() {
                    if n == '\n' {
                        out.push('\n');
                    }
                    if last == '*' && n == '/' {
                        break;
                    }
                    last = n;
                }
            }
            _ => out.push(c),
        }
    }
    out
}

fn skip_line(chars: &mut std::iter::Peekable<std::str::Chars<'_>>, out: &mut String) {
    for n in chars.by_ref() {
        if n == '\n' {
            out.push('\n');
            break;
        }
    }
}
