//! `{name}` placeholders in config strings: `{env}`, `{project}`, `{region}`
//! everywhere, `{pr}` only in `preview_*` fields, and `{target.output}` for an
//! output of a terraform target (filled at run time from its state; checked in
//! `outputs.rs`). Unknown names are config errors, found when the file is
//! loaded, not when a deploy reaches them.

/// The placeholders a value may use.
pub const EVERYWHERE: &[&str] = &["env", "project", "region"];
/// The placeholder only PR previews fill.
pub const PR: &str = "pr";

/// The placeholder names used in `s`, or a description of what is malformed.
pub fn placeholders(s: &str) -> Result<Vec<&str>, String> {
    let mut names = Vec::new();
    let mut rest = s;
    while let Some(open) = rest.find(['{', '}']) {
        if rest.as_bytes()[open] == b'}' {
            return Err(format!("{s:?} has a `}}` without a `{{`"));
        }
        let after = &rest[open + 1..];
        let close = after
            .find('}')
            .ok_or_else(|| format!("{s:?} has a `{{` without a `}}`"))?;
        let name = &after[..close];
        // `{target.output}` names a terraform target's output (see `outputs.rs`).
        let plain = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
        let well_formed = match name.split_once('.') {
            None => !name.is_empty() && name.chars().all(plain),
            Some((target, output)) => {
                !target.is_empty()
                    && !output.is_empty()
                    && target.chars().all(plain)
                    && output.chars().all(plain)
            }
        };
        if !well_formed {
            return Err(format!("{s:?} has a malformed placeholder {{{name}}}"));
        }
        names.push(name);
        rest = &after[close + 1..];
    }
    Ok(names)
}

/// Replaces each `{name}` that `values` knows; leaves others (e.g. `{pr}`) as they are.
pub fn fill(s: &str, values: &[(&str, &str)]) -> String {
    let mut out = s.to_string();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_and_fills_placeholders() {
        assert_eq!(
            placeholders("pr-{pr}-{project}").unwrap(),
            vec!["pr", "project"]
        );
        assert_eq!(
            fill("connect2-api-{env}-{pr}", &[("env", "prod")]),
            "connect2-api-prod-{pr}"
        );
        assert!(placeholders("a{env").is_err());
        assert!(placeholders("a}b").is_err());
        assert!(placeholders("a{}b").is_err());
        assert!(placeholders("a{e nv}b").is_err());
        assert_eq!(
            placeholders("{shared.ecs_cluster_name}").unwrap(),
            vec!["shared.ecs_cluster_name"]
        );
        assert!(placeholders("{shared.}").is_err());
        assert!(placeholders("{.vpc_id}").is_err());
        assert!(placeholders("{a.b.c}").is_err());
        // Filling leaves outputs for later.
        assert_eq!(
            fill("{shared.vpc_id}-{env}", &[("env", "prod")]),
            "{shared.vpc_id}-prod"
        );
    }
}
