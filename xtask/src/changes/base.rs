//! Which two commits to compare, and why: the answer is always printed, because
//! tools that fall back silently lose their users' trust.
//!
//! In order: `--base`/`--head`; under GitHub Actions the push's `before`/`after`
//! or the pull request's merge-base with its base branch; otherwise the merge-base
//! of HEAD with the default branch (or HEAD's first parent when HEAD is on it).
//! A base that cannot be known (absent from a shallow clone, an all-zero `before`,
//! a force push) is never "nothing changed": it is [`Resolved::Unknown`].

use git2::{Oid, Repository};

use super::ChangeError;

/// What GitHub Actions tells a job about the event that started it.
#[derive(Debug, Clone)]
pub struct GithubEvent {
    /// `GITHUB_EVENT_NAME`: `push`, `pull_request`, ...
    pub name: String,
    /// The JSON document at `GITHUB_EVENT_PATH`.
    pub payload: serde_json::Value,
}

/// Where the comparison starts and ends.
#[derive(Debug, Clone)]
pub enum Resolved {
    Range {
        base: Oid,
        head: Oid,
        why: String,
    },
    /// The base cannot be known; `why` says why and what to do.
    Unknown {
        head: Oid,
        why: String,
    },
}

/// How the caller asked for the range.
#[derive(Debug, Clone, Default)]
pub struct RangeRequest {
    pub base: Option<String>,
    pub head: Option<String>,
    pub github: Option<GithubEvent>,
    /// The branch deploys are cut from; found from `origin/HEAD`, `main` or
    /// `master` when not given.
    pub default_branch: Option<String>,
}

pub fn resolve(repo: &Repository, req: &RangeRequest) -> Result<Resolved, ChangeError> {
    let shallow = repo.is_shallow();
    let explicit_head = match &req.head {
        Some(rev) => Some(
            commit_of(repo, rev).ok_or_else(|| ChangeError::RevisionNotFound {
                flag: "--head".into(),
                rev: rev.clone(),
                shallow,
            })?,
        ),
        None => None,
    };
    let head_of_repo =
        || -> Result<Oid, ChangeError> { commit_of(repo, "HEAD").ok_or(ChangeError::NoHead) };

    if let Some(rev) = &req.base {
        let head = match explicit_head {
            Some(h) => h,
            None => head_of_repo()?,
        };
        return Ok(match commit_of(repo, rev) {
            Some(base) => Resolved::Range {
                base,
                head,
                why: format!("--base {rev}"),
            },
            None => Resolved::Unknown {
                head,
                why: format!(
                    "--base {rev} is not in this repository{}",
                    shallow_note(shallow)
                ),
            },
        });
    }

    if let Some(event) = &req.github {
        if let Some(resolved) = from_github_event(repo, event, explicit_head, shallow)? {
            return Ok(resolved);
        }
    }

    let head = match explicit_head {
        Some(h) => h,
        None => head_of_repo()?,
    };
    from_default_branch(repo, head, req.default_branch.as_deref(), shallow)
}

/// `None` when the event carries no range (e.g. `workflow_dispatch`): the
/// default-branch rule applies then.
fn from_github_event(
    repo: &Repository,
    event: &GithubEvent,
    explicit_head: Option<Oid>,
    shallow: bool,
) -> Result<Option<Resolved>, ChangeError> {
    let field = |path: &[&str]| -> Option<String> {
        let mut v = &event.payload;
        for key in path {
            v = v.get(key)?;
        }
        v.as_str().map(str::to_owned)
    };
    let head_from = |sha: Option<String>, what: &str| -> Result<Oid, ChangeError> {
        if let Some(h) = explicit_head {
            return Ok(h);
        }
        match sha.as_deref().and_then(|s| commit_of(repo, s)) {
            Some(oid) => Ok(oid),
            // The checkout may hold a merge commit instead (pull requests).
            None => commit_of(repo, "HEAD").ok_or_else(|| ChangeError::RevisionNotFound {
                flag: what.to_string(),
                rev: sha.unwrap_or_default(),
                shallow,
            }),
        }
    };

    match event.name.as_str() {
        "push" => {
            let head = head_from(field(&["after"]), "the push event's `after`")?;
            let Some(before) = field(&["before"]) else {
                return Ok(None);
            };
            if before.bytes().all(|b| b == b'0') {
                return Ok(Some(Resolved::Unknown {
                    head,
                    why: "the push created a new branch (its `before` is all zeros), so \
                          there is no previous commit to compare with"
                        .into(),
                }));
            }
            let Some(base) = commit_of(repo, &before) else {
                return Ok(Some(Resolved::Unknown {
                    head,
                    why: format!(
                        "the push's `before` {} is not in this repository{}",
                        short(&before),
                        shallow_note(shallow)
                    ),
                }));
            };
            if base != head && !repo.graph_descendant_of(head, base).unwrap_or(false) {
                return Ok(Some(Resolved::Unknown {
                    head,
                    why: format!(
                        "the push's `before` {} is not an ancestor of {} (a force push?){}",
                        short(&before),
                        short(&head.to_string()),
                        shallow_note(shallow)
                    ),
                }));
            }
            Ok(Some(Resolved::Range {
                base,
                head,
                why: format!("push event: before {}", short(&before)),
            }))
        }
        "pull_request" | "pull_request_target" => {
            let head = head_from(
                field(&["pull_request", "head", "sha"]),
                "the pull request's head sha",
            )?;
            let Some(base_sha) = field(&["pull_request", "base", "sha"]) else {
                return Ok(None);
            };
            let Some(base_tip) = commit_of(repo, &base_sha) else {
                return Ok(Some(Resolved::Unknown {
                    head,
                    why: format!(
                        "the pull request's base {} is not in this repository{}",
                        short(&base_sha),
                        shallow_note(shallow)
                    ),
                }));
            };
            // GitHub filters pull requests by a three-dot diff: from the merge-base.
            match repo.merge_base(base_tip, head) {
                Ok(base) => Ok(Some(Resolved::Range {
                    base,
                    head,
                    why: format!(
                        "pull request: merge-base of head with base {}",
                        short(&base_sha)
                    ),
                })),
                Err(_) => Ok(Some(Resolved::Unknown {
                    head,
                    why: format!(
                        "no merge-base between the pull request's base {} and its head{}",
                        short(&base_sha),
                        shallow_note(shallow)
                    ),
                })),
            }
        }
        _ => Ok(None),
    }
}

fn from_default_branch(
    repo: &Repository,
    head: Oid,
    configured: Option<&str>,
    shallow: bool,
) -> Result<Resolved, ChangeError> {
    let (branch, tip) = default_branch(repo, configured)?;
    let merge_base = match repo.merge_base(head, tip) {
        Ok(mb) => mb,
        Err(_) => {
            return Ok(Resolved::Unknown {
                head,
                why: format!(
                    "HEAD has no merge-base with {branch}{}",
                    shallow_note(shallow)
                ),
            })
        }
    };
    if merge_base != head {
        return Ok(Resolved::Range {
            base: merge_base,
            head,
            why: format!("merge-base of HEAD with {branch}"),
        });
    }
    // HEAD is on the default branch (or behind it): what changed is its last commit.
    let commit = repo.find_commit(head).map_err(ChangeError::Git)?;
    match commit.parent_id(0) {
        Ok(parent) => Ok(Resolved::Range {
            base: parent,
            head,
            why: format!("HEAD is on {branch}: its first parent"),
        }),
        Err(_) if shallow || commit.parent_count() > 0 => Ok(Resolved::Unknown {
            head,
            why: format!(
                "HEAD's parent is not in this repository{}",
                shallow_note(true)
            ),
        }),
        Err(_) => Ok(Resolved::Unknown {
            head,
            why: "HEAD is the first commit of the repository: there is nothing to compare with"
                .into(),
        }),
    }
}

/// The default branch's name and tip. A remote-tracking branch wins over a local
/// one, which may be stale.
fn default_branch(
    repo: &Repository,
    configured: Option<&str>,
) -> Result<(String, Oid), ChangeError> {
    let names: Vec<String> = match configured {
        Some(name) => vec![name.to_string()],
        None => {
            let mut names = Vec::new();
            if let Ok(r) = repo.find_reference("refs/remotes/origin/HEAD") {
                if let Some(target) = r.symbolic_target() {
                    if let Some(name) = target.strip_prefix("refs/remotes/origin/") {
                        names.push(name.to_string());
                    }
                }
            }
            names.extend(["main".to_string(), "master".to_string()]);
            names
        }
    };
    for name in &names {
        for (refname, shown) in [
            (
                format!("refs/remotes/origin/{name}"),
                format!("origin/{name}"),
            ),
            (format!("refs/heads/{name}"), name.clone()),
        ] {
            if let Ok(oid) = repo.refname_to_id(&refname) {
                if let Ok(commit) = repo.find_commit(oid) {
                    return Ok((shown, commit.id()));
                }
            }
        }
    }
    Err(ChangeError::NoDefaultBranch { tried: names })
}

/// The commit a revision names, if this repository has it.
fn commit_of(repo: &Repository, rev: &str) -> Option<Oid> {
    repo.revparse_single(rev)
        .ok()?
        .peel_to_commit()
        .ok()
        .map(|c| c.id())
}

fn short(sha: &str) -> &str {
    &sha[..sha.len().min(12)]
}

fn shallow_note(shallow: bool) -> &'static str {
    if shallow {
        " (this is a shallow clone)"
    } else {
        ""
    }
}
