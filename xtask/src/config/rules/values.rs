//! Values other than names: header values, URLs, paths inside the
//! repository, commands and durations.

use std::time::Duration;

use super::{control, got};

/// A part of a path an output fills in (`build_dir = "{web-infra.dist}"`):
/// plain names only, no `..`, `.` or leading `/`, so the path stays where
/// deploy.toml put it.
pub fn path_part(value: &str) -> Result<(), String> {
    use std::path::Component;
    let plain = !value.is_empty()
        && !control(value)
        && std::path::Path::new(value)
            .components()
            .all(|c| matches!(c, Component::Normal(_)));
    if plain {
        Ok(())
    } else {
        Err(format!(
            "expected a relative path of plain names from the output (no `..`, `.` or leading `/`), {}",
            got(value)
        ))
    }
}

/// A command for `sh -c`: not empty, no NUL.
pub fn command(value: &str) -> Result<(), String> {
    if value.trim().is_empty() {
        return Err("expected a command, not an empty string".into());
    }
    process_text(value)
}

/// A cache rule's `glob`: the same pattern syntax as `paths`.
pub fn path_glob(value: &str) -> Result<(), String> {
    path_filter::single(value)
        .map(|_| ())
        .map_err(|e| format!("expected a path pattern: {e}"))
}

/// A header value S3 stores and serves (Cache-Control): printable ASCII, no
/// CR, LF or other control character (they would end the header and start
/// another), at most 1,024 bytes.
pub fn header_value(value: &str) -> Result<(), String> {
    let ok = !value.trim().is_empty()
        && value.len() <= 1024
        && value.bytes().all(|b| (0x20..0x7f).contains(&b));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "expected a header value: 1 to 1024 printable ASCII characters, no line break or control character (e.g. \"public, max-age=300\"), {}",
            got(value)
        ))
    }
}

/// An `http://` or `https://` URL with a host, as the smoke check GETs it.
pub fn http_url(value: &str) -> Result<(), String> {
    let expected = |why: &str| {
        Err(format!(
            "expected an http:// or https:// URL ({why}), {}",
            got(value)
        ))
    };
    if value.len() > 2048 || control(value) || value.contains(char::is_whitespace) {
        return expected("at most 2048 characters, no spaces or control characters");
    }
    match url::Url::parse(value) {
        Ok(u) if !matches!(u.scheme(), "http" | "https") => expected("another scheme"),
        Ok(u) if u.host_str().is_none_or(str::is_empty) => expected("no host"),
        Ok(u) if !u.username().is_empty() || u.password().is_some() => {
            expected("no credentials in it: they would show in logs and the ledger")
        }
        Ok(_) => Ok(()),
        Err(e) => expected(&e.to_string()),
    }
}

/// A path relative to the repository root that stays inside it: not
/// absolute, and no `..` climbing above the root (`web/../web/dist` is fine).
pub fn repo_path(value: &str) -> Result<(), String> {
    use std::path::Component;
    let expected = |why: &str| {
        Err(format!(
            "expected a path inside the repository, relative to its root (e.g. \"web/dist\"), {}: {why}",
            got(value)
        ))
    };
    if value.trim().is_empty() {
        return expected("it is empty");
    }
    if control(value) {
        return expected("it holds a control character");
    }
    let path = std::path::Path::new(value);
    let mut depth: i32 = 0;
    for c in path.components() {
        match c {
            Component::Prefix(_) | Component::RootDir => return expected("it is absolute"),
            Component::ParentDir => {
                depth -= 1;
                if depth < 0 {
                    return expected("`..` leaves the repository");
                }
            }
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
        }
    }
    Ok(())
}

/// A value passed to a process (an argument or a variable) cannot hold NUL.
pub fn process_text(value: &str) -> Result<(), String> {
    if value.contains('\0') {
        Err("expected text without a NUL character".into())
    } else {
        Ok(())
    }
}

/// The longest wait a duration may ask for: a day, ECS's own longest bake
/// (`bakeTimeInMinutes` 0 to 1,440).
pub const MAX_DURATION: Duration = Duration::from_secs(24 * 60 * 60);

/// A duration from `min` to `max`.
pub fn duration(d: Duration, min: Duration, max: Duration) -> Result<(), String> {
    // Whole hours as hours (`24h`, not humantime's `1day`).
    let show = |d: Duration| match d.as_secs() {
        s if s >= 3600 && s % 3600 == 0 && d.subsec_nanos() == 0 => format!("{}h", s / 3600),
        _ => humantime::format_duration(d).to_string(),
    };
    if d < min.max(Duration::from_nanos(1)) || d > max {
        let low = if min.is_zero() {
            "more than 0s".to_string()
        } else {
            format!("at least {}", show(min))
        };
        Err(format!(
            "expected a duration of {low} and at most {}, got {}",
            show(max),
            show(d)
        ))
    } else {
        Ok(())
    }
}
