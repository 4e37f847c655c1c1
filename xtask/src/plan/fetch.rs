//! Bringing a commit the ledger names into a clone that lacks it: a shallow
//! clone, or one made after the branch it was deployed from was deleted or
//! force-pushed (`fetch-depth: 0` brings branches and tags, not every commit).
//! `git fetch --depth=1 origin SHA`, authenticated in GitHub Actions the way
//! actions/checkout authenticates: the job's token as an `http.extraheader`,
//! given through `GIT_CONFIG_COUNT`/`GIT_CONFIG_KEY_n`/`GIT_CONFIG_VALUE_n` so it
//! is in no argument list (which `ps` and error messages show) and never
//! printed; scoped to origin's host, so it goes nowhere else.

use crate::workspace::Workspace;

/// Makes sure `commit` is in the repository, fetching it from origin when it
/// is not; why it could not be had otherwise (one line, no token in it).
pub async fn ensure_commit(ws: &Workspace, commit: &str) -> Result<(), String> {
    let present = |repo: &git2::Repository| {
        git2::Oid::from_str(commit)
            .ok()
            .is_some_and(|oid| repo.find_commit(oid).is_ok())
    };
    if present(&ws.repo) {
        return Ok(());
    }
    let origin = ws
        .repo
        .find_remote("origin")
        .ok()
        .and_then(|r| r.url().map(str::to_owned));
    let token = std::env::var("GITHUB_TOKEN")
        .ok()
        .filter(|t| !t.trim().is_empty());
    let auth = origin
        .as_deref()
        .zip(token.as_deref())
        .map(|(url, token)| auth_config(url, token, existing_config_count()))
        .unwrap_or_default();
    let fetched = tokio::process::Command::new("git")
        .args(["fetch", "--quiet", "--depth=1", "origin", commit])
        .envs(auth)
        .current_dir(&ws.root)
        .stdin(std::process::Stdio::null())
        .output()
        .await;
    let problem = match fetched {
        Ok(out) if out.status.success() => {
            // libgit2 rereads the object database when an object is missing,
            // so the fetched pack is seen by the open repository.
            if present(&ws.repo) {
                return Ok(());
            }
            "the fetch did not bring it".to_string()
        }
        Ok(out) => String::from_utf8_lossy(&out.stderr)
            .lines()
            .rfind(|l| !l.trim().is_empty())
            .unwrap_or("git fetch failed")
            .trim()
            .to_string(),
        Err(e) => format!("cannot run git: {e}"),
    };
    Err(match &token {
        Some(t) => problem.replace(t.trim(), "***"),
        None => problem,
    })
}

/// `GIT_CONFIG_COUNT` as the environment has it (a job may set its own).
fn existing_config_count() -> usize {
    std::env::var("GIT_CONFIG_COUNT")
        .ok()
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}

/// The environment that gives `git` the token for `origin` when it is an
/// https URL (none otherwise: a local or ssh origin has its own credentials),
/// after the `count` entries the environment already has.
fn auth_config(origin: &str, token: &str, count: usize) -> Vec<(String, String)> {
    let Some(rest) = origin.strip_prefix("https://") else {
        return Vec::new();
    };
    // The host, without any user name in the URL.
    let host = rest.split('/').next().unwrap_or_default();
    let host = host.rsplit('@').next().unwrap_or_default();
    if host.is_empty() {
        return Vec::new();
    }
    let basic = base64(format!("x-access-token:{}", token.trim()).as_bytes());
    vec![
        ("GIT_CONFIG_COUNT".into(), (count + 1).to_string()),
        (
            format!("GIT_CONFIG_KEY_{count}"),
            format!("http.https://{host}/.extraheader"),
        ),
        (
            format!("GIT_CONFIG_VALUE_{count}"),
            format!("AUTHORIZATION: basic {basic}"),
        ),
    ]
}

/// Standard base64 with padding (RFC 4648), for the one header above.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_is_rfc_4648() {
        // RFC 4648 section 10's test vectors.
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
    }

    #[test]
    fn the_token_goes_to_an_https_origin_s_host_as_actions_checkout_sends_it() {
        let env = auth_config("https://github.com/acme/connect2", "ghs_abc", 0);
        assert_eq!(
            env,
            [
                ("GIT_CONFIG_COUNT".to_string(), "1".to_string()),
                (
                    "GIT_CONFIG_KEY_0".to_string(),
                    "http.https://github.com/.extraheader".to_string()
                ),
                (
                    "GIT_CONFIG_VALUE_0".to_string(),
                    // base64("x-access-token:ghs_abc")
                    "AUTHORIZATION: basic eC1hY2Nlc3MtdG9rZW46Z2hzX2FiYw==".to_string()
                ),
            ]
        );
        // After the entries the job already has.
        let env = auth_config("https://user@ghe.example.com/acme/x.git", "t", 2);
        assert_eq!(env[0], ("GIT_CONFIG_COUNT".into(), "3".into()));
        assert_eq!(
            env[1],
            (
                "GIT_CONFIG_KEY_2".into(),
                "http.https://ghe.example.com/.extraheader".into()
            )
        );
        // Local, file and ssh origins get nothing.
        for origin in [
            "/srv/origin.git",
            "file:///srv/o.git",
            "git@github.com:a/b.git",
        ] {
            assert!(auth_config(origin, "t", 0).is_empty(), "{origin}");
        }
    }
}
