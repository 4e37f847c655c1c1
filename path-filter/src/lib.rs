//! GitHub Actions' `on.push.paths` filter rules, so that a workflow's path filter
//! and `plan --changed` always give the same answer for the same list.
//!
//! The rules (GitHub's "filter pattern cheat sheet"), which differ from shell globs:
//! - `*` matches any run of characters except `/`; `**` matches any run including `/`,
//!   and `**/` may match no directory at all (`docs/**/*.md` matches `docs/a.md`);
//! - `?` means *zero or one of the preceding character*, `+` *one or more of it*;
//! - `[...]` is a set of characters or ranges; there are no braces;
//! - `\` makes the next character literal;
//! - a pattern matches the whole path (`api/**` does not match `api-client/x`);
//!   dotfiles are not special;
//! - a leading `!` negates; patterns are read in order and the last one that matches
//!   a path decides, so a later positive pattern re-includes what a `!` excluded.
//!
//! A generic glob crate gives `?` the wrong meaning, hence this translation to regex.

use regex::Regex;
use std::fmt;

/// One pattern of a `paths` list, compiled.
#[derive(Debug, Clone)]
struct Pattern {
    negated: bool,
    regex: Regex,
}

/// An ordered `paths` list with GitHub's semantics.
#[derive(Debug, Clone)]
pub struct PathFilter {
    source: Vec<String>,
    patterns: Vec<Pattern>,
}

/// Why a pattern is not a valid GitHub path filter.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("pattern {pattern:?}: {reason}")]
pub struct PatternError {
    pub pattern: String,
    pub reason: String,
}

impl PathFilter {
    /// Compiles a `paths` list. The list must have at least one positive pattern,
    /// as GitHub requires (a list of only `!` patterns would match nothing).
    pub fn new<S: AsRef<str>>(patterns: &[S]) -> Result<Self, PatternError> {
        let mut compiled = Vec::with_capacity(patterns.len());
        for p in patterns {
            compiled.push(compile(p.as_ref())?);
        }
        if !compiled.iter().any(|p| !p.negated) {
            return Err(PatternError {
                pattern: patterns
                    .iter()
                    .map(|p| p.as_ref())
                    .collect::<Vec<_>>()
                    .join(", "),
                reason: "a paths list needs at least one pattern without `!`".into(),
            });
        }
        Ok(PathFilter {
            source: patterns.iter().map(|p| p.as_ref().to_string()).collect(),
            patterns: compiled,
        })
    }

    /// The patterns as written, for generated workflows.
    pub fn patterns(&self) -> &[String] {
        &self.source
    }

    /// Whether GitHub would count `path` (relative to the repository root, `/`
    /// separated) as matching this list: the last pattern that matches decides.
    pub fn matches(&self, path: &str) -> bool {
        self.patterns
            .iter()
            .rev()
            .find(|p| p.regex.is_match(path))
            .is_some_and(|p| !p.negated)
    }
}

impl fmt::Display for PathFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}]", self.source.join(", "))
    }
}

/// Checks that a single (non-negatable) pattern is valid and returns a matcher for
/// it; used where config takes one glob, such as cache rules.
pub fn single(pattern: &str) -> Result<PathFilter, PatternError> {
    if pattern.starts_with('!') {
        return Err(PatternError {
            pattern: pattern.into(),
            reason: "a single pattern cannot be negated with `!`".into(),
        });
    }
    PathFilter::new(&[pattern])
}

fn compile(pattern: &str) -> Result<Pattern, PatternError> {
    let err = |reason: &str| PatternError {
        pattern: pattern.to_string(),
        reason: reason.to_string(),
    };
    let (negated, body) = match pattern.strip_prefix('!') {
        Some(rest) => (true, rest),
        None => (false, pattern),
    };
    if body.is_empty() {
        return Err(err("empty pattern"));
    }
    if body.starts_with('/') {
        return Err(err(
            "paths are relative to the repository root and never start with `/`",
        ));
    }

    let chars: Vec<char> = body.chars().collect();
    let mut re = String::from("^");
    // Whether the last thing emitted is a single character that `?`/`+` may follow.
    let mut quantifiable = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '*' => {
                if chars.get(i + 1) == Some(&'*') {
                    if chars.get(i + 2) == Some(&'/') {
                        // `**/` also matches no directory at all.
                        re.push_str("(?:.*/)?");
                        i += 3;
                    } else {
                        re.push_str(".*");
                        i += 2;
                    }
                } else {
                    re.push_str("[^/]*");
                    i += 1;
                }
                quantifiable = false;
                continue;
            }
            '?' | '+' => {
                if !quantifiable {
                    return Err(err(&format!(
                        "`{c}` repeats the character before it, and there is none here"
                    )));
                }
                re.push(c);
                quantifiable = false;
            }
            '[' => {
                let close = chars[i + 1..]
                    .iter()
                    .position(|&c| c == ']')
                    .map(|p| p + i + 1)
                    .ok_or_else(|| err("`[` without a closing `]`"))?;
                let set = &chars[i + 1..close];
                if set.is_empty() {
                    return Err(err("empty `[]` set"));
                }
                re.push('[');
                let mut j = 0;
                while j < set.len() {
                    let a = set[j];
                    if a == '/' {
                        return Err(err("a `[]` set cannot contain `/`"));
                    }
                    if set.get(j + 1) == Some(&'-') && j + 2 < set.len() {
                        let b = set[j + 2];
                        if !(a.is_ascii_alphanumeric() && b.is_ascii_alphanumeric() && a <= b) {
                            return Err(err(&format!(
                                "range `{a}-{b}` in `[]` must go from a lower to a higher letter or digit"
                            )));
                        }
                        re.push_str(&regex::escape(&a.to_string()));
                        re.push('-');
                        re.push_str(&regex::escape(&b.to_string()));
                        j += 3;
                    } else {
                        re.push_str(&regex::escape(&a.to_string()));
                        j += 1;
                    }
                }
                re.push(']');
                i = close + 1;
                quantifiable = true;
                continue;
            }
            '\\' => {
                let next = chars
                    .get(i + 1)
                    .ok_or_else(|| err("`\\` at the end escapes nothing"))?;
                re.push_str(&regex::escape(&next.to_string()));
                i += 2;
                quantifiable = true;
                continue;
            }
            _ => {
                re.push_str(&regex::escape(&c.to_string()));
                quantifiable = true;
            }
        }
        i += 1;
    }
    re.push('$');
    let regex = Regex::new(&re).map_err(|e| err(&format!("cannot compile: {e}")))?;
    Ok(Pattern { negated, regex })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (patterns, path, expected) — the rows of GitHub's filter pattern cheat sheet
    /// for paths, plus the cases this toolkit's configs rely on.
    const TABLE: &[(&[&str], &str, bool)] = &[
        // `*` stays within one directory level.
        (&["*"], "README.md", true),
        (&["*"], "server.rb", true),
        (&["*"], "docs/README.md", false),
        (&["*.js"], "app.js", true),
        (&["*.js"], "index.js", true),
        (&["*.js"], "js/index.js", false),
        // `?`: zero or one of the preceding character.
        (&["*.jsx?"], "page.js", true),
        (&["*.jsx?"], "page.jsx", true),
        (&["*.jsx?"], "page.jsxx", false),
        (&["*.jsx?"], "page.jsa", false),
        // `+`: one or more of the preceding character.
        (&["ab+c.txt"], "abc.txt", true),
        (&["ab+c.txt"], "abbbc.txt", true),
        (&["ab+c.txt"], "ac.txt", false),
        // `**` crosses directories.
        (&["**"], "all/the/files.md", true),
        (&["**"], ".github/workflows/ci.yml", true),
        (&["**.js"], "index.js", true),
        (&["**.js"], "js/index.js", true),
        (&["**.js"], "src/js/app.js", true),
        (&["docs/*"], "docs/README.md", true),
        (&["docs/*"], "docs/file.txt", true),
        (&["docs/*"], "docs/mona/octocat.txt", false),
        (&["docs/**"], "docs/README.md", true),
        (&["docs/**"], "docs/mona/octocat.txt", true),
        (&["docs/**/*.md"], "docs/README.md", true),
        (&["docs/**/*.md"], "docs/mona/hello-world.md", true),
        (&["docs/**/*.md"], "docs/a/markdown/file.md", true),
        (&["docs/**/*.md"], "docs/a/file.txt", false),
        (&["**/docs/**"], "docs/hello.md", true),
        (&["**/docs/**"], "dir/docs/my-file.txt", true),
        (&["**/docs/**"], "space/docs/plan/space.doc", true),
        (&["**/docs/**"], "mydocs/x.md", false),
        (&["**/README.md"], "README.md", true),
        (&["**/README.md"], "js/README.md", true),
        (&["**/*src/**"], "a/src/app.js", true),
        (&["**/*src/**"], "my-src/code/js/app.js", true),
        (&["**/*-post.md"], "my-post.md", true),
        (&["**/*-post.md"], "path/their-post.md", true),
        (&["**/migrate-*.sql"], "migrate-10909.sql", true),
        (&["**/migrate-*.sql"], "db/migrate-v1.0.sql", true),
        (&["**/migrate-*.sql"], "db/sept/migrate-v1.sql", true),
        // Negation: the last matching pattern wins.
        (&["*.md", "!README.md"], "hello.md", true),
        (&["*.md", "!README.md"], "README.md", false),
        (&["*.md", "!README.md"], "docs/hello.md", false),
        (&["*.md", "!README.md", "README*"], "hello.md", true),
        (&["*.md", "!README.md", "README*"], "README.md", true),
        (&["*.md", "!README.md", "README*"], "README.doc", true),
        // Sets.
        (&["v[0-9].txt"], "v1.txt", true),
        (&["v[0-9].txt"], "va.txt", false),
        (&["[ab]x"], "bx", true),
        (&["[ab]+x"], "abbax", true),
        // Literal characters and escapes.
        (&["a.b"], "axb", false),
        (&["dir (1)/**"], "dir (1)/f", true),
        (&["\\*.txt"], "*.txt", true),
        (&["\\*.txt"], "a.txt", false),
        // The whole path must match: a prefix is not enough.
        (&["api/**"], "api/app/main.py", true),
        (&["api/**"], "api-client/x", false),
        (&["api/**"], "api", false),
        (&["api/**"], "web/api/x", false),
        // The toolkit's own targets.
        (&["api/**", "!api/docs/**"], "api/app/main.py", true),
        (
            &["api/**", "!api/docs/**"],
            "api/docs/runbooks/ROLLBACK.md",
            false,
        ),
        (&["api/**", "!api/docs/**"], "api/docsy/x", true),
        (&["web/**", "!web/docs/**"], "web/.env.production", true),
        (
            &["web/**", "!web/docs/**"],
            "web/src/ünïcödé/名前.tsx",
            true,
        ),
        (
            &["infrastructure/**"],
            "infrastructure/terraform/main.tf",
            true,
        ),
    ];

    #[test]
    fn github_cheat_sheet_table() {
        let mut failures = Vec::new();
        for (patterns, path, expected) in TABLE {
            let filter = PathFilter::new(patterns).unwrap();
            if filter.matches(path) != *expected {
                failures.push(format!("{patterns:?} on {path:?}: expected {expected}"));
            }
        }
        assert!(failures.is_empty(), "mismatches:\n{}", failures.join("\n"));
    }

    #[test]
    fn invalid_patterns_are_rejected_with_a_reason() {
        for (pattern, reason) in [
            ("", "empty pattern"),
            ("!", "empty pattern"),
            ("?abc", "repeats the character before it"),
            ("a/*?", "repeats the character before it"),
            ("src/[abc", "without a closing"),
            ("src/[]x", "empty `[]` set"),
            ("[z-a]", "lower to a higher"),
            ("/abs/**", "never start with `/`"),
            ("trailing\\", "escapes nothing"),
        ] {
            let err = PathFilter::new(&[pattern, "x"]).unwrap_err();
            assert!(
                err.reason.contains(reason),
                "{pattern:?}: got {:?}, expected it to mention {reason:?}",
                err.reason
            );
        }
    }

    #[test]
    fn only_negative_patterns_are_rejected() {
        let err = PathFilter::new(&["!docs/**"]).unwrap_err();
        assert!(err.reason.contains("at least one pattern without `!`"));
    }

    #[test]
    fn single_pattern_cannot_be_negated() {
        assert!(single("!x").is_err());
        assert!(single("assets/**").unwrap().matches("assets/app.1234.js"));
    }
}
