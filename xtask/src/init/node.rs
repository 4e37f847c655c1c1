//! Static sites from package.json builds: a package with a `build` script and
//! a framework that writes a static site. The build folder comes from the
//! framework's config when it sets one (`build.outDir` in vite.config,
//! `distDir` with `output: 'export'` in next.config, ...), else from the
//! framework's default; the install and build commands from the lockfile.

use regex::Regex;
use std::path::Path;

use super::tree::{folder, join};
use super::{sanitize, Guess, GuessKind, Note};

/// Hashed files a framework writes, cached for a year.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// What a framework builds, when it builds a static site.
struct Site {
    framework: String,
    /// Relative to the package's folder.
    build_dir: String,
    /// Where it came from: "its default" or the config file and key.
    from: String,
    /// The folder of content-hashed files, relative to the build folder.
    immutable: Option<&'static str>,
}

enum Detected {
    Site(Site),
    /// A framework that needs a server, or a package that is no site: why.
    NotASite(String),
}

pub fn sites(
    root: &Path,
    files: &[String],
    services: &[Guess],
    notes: &mut Vec<Note>,
) -> Vec<Guess> {
    let mut out = Vec::new();
    for file in files
        .iter()
        .filter(|f| f.rsplit('/').next() == Some("package.json"))
    {
        let dir = folder(file).to_string();
        let Ok(text) = std::fs::read_to_string(root.join(file)) else {
            continue;
        };
        let Ok(pkg) = serde_json::from_str::<serde_json::Value>(&text) else {
            notes.push(Note::Skipped(format!("{file}: not valid JSON")));
            continue;
        };
        let Some(build_script) = pkg["scripts"]["build"].as_str() else {
            continue;
        };
        if let Some(service) = services.iter().find(|s| {
            s.folder.is_empty() || dir == s.folder || dir.starts_with(&format!("{}/", s.folder))
        }) {
            notes.push(Note::Skipped(format!(
                "{file}: part of the `{}` image ({}), not a static site",
                service.name,
                service.source.split(':').next().unwrap_or_default()
            )));
            continue;
        }
        let site = match detect(root, files, &dir, &pkg, build_script) {
            Detected::Site(site) => site,
            Detected::NotASite(why) => {
                notes.push(Note::Skipped(format!("{file}: {why}")));
                continue;
            }
        };
        let (build, extra_paths) = build_command(files, &dir, &pkg);
        if !build.contains("npm ci") && !build.contains("--frozen-lockfile") {
            notes.push(Note::Check(format!(
                "{file}: no lockfile, so each build installs whatever versions resolve that day; commit one (then `npm ci` or the like)"
            )));
        }
        let name = if dir.is_empty() {
            sanitize(
                pkg["name"]
                    .as_str()
                    .unwrap_or("site")
                    .rsplit('/')
                    .next()
                    .unwrap_or("site"),
            )
        } else {
            sanitize(dir.rsplit('/').next().unwrap_or(&dir))
        };
        let build_dir = join(&dir, &site.build_dir);
        let mut paths = if dir.is_empty() {
            vec!["**".to_string(), "!**/*.md".to_string()]
        } else {
            vec![format!("{dir}/**"), format!("!{dir}/**/*.md")]
        };
        paths.extend(extra_paths);
        let mut cache = Vec::new();
        if let Some(immutable) = site.immutable {
            cache.push((immutable.to_string(), IMMUTABLE.to_string()));
        }
        cache.push(("**/*.html".to_string(), "no-cache".to_string()));
        notes.push(Note::Guessed(format!(
            "{name}: {} writes {build_dir} ({})",
            site.framework, site.from
        )));
        out.push(Guess {
            name: if name.is_empty() { "site".into() } else { name },
            folder: dir.clone(),
            source: format!(
                "{file}: {}, `{build_script}` writes {build_dir}",
                site.framework
            ),
            paths,
            after: Vec::new(),
            kind: GuessKind::StaticSite {
                build,
                build_dir,
                cache,
            },
        });
    }
    out
}

fn has_dep(pkg: &serde_json::Value, name: &str) -> bool {
    ["dependencies", "devDependencies"]
        .iter()
        .any(|k| pkg[k].get(name).is_some())
}

/// The text of the first of `names` in `dir`, with its name.
fn config_file(
    root: &Path,
    files: &[String],
    dir: &str,
    names: &[&str],
) -> Option<(String, String)> {
    names.iter().find_map(|n| {
        let path = join(dir, n);
        if !files.contains(&path) {
            return None;
        }
        Some((
            path.clone(),
            std::fs::read_to_string(root.join(&path)).ok()?,
        ))
    })
}

/// `key: 'value'` (or `"value"`, `` `value` ``) in a JS or TS config.
fn js_string(text: &str, key: &str) -> Option<String> {
    let re = Regex::new(&format!(r#"\b{key}\s*:\s*['"`]([^'"`]+)['"`]"#)).expect("a valid regex");
    re.captures(text).map(|c| c[1].to_string())
}

/// A flag's value in the build script (`--outDir build`, `--out-dir=x`).
fn script_flag(script: &str, flags: &[&str]) -> Option<String> {
    flags.iter().find_map(|f| {
        let re = Regex::new(&format!(r#"{f}[ =]['"]?([^\s'"&;|]+)"#)).expect("a valid regex");
        re.captures(script).map(|c| c[1].to_string())
    })
}

/// `a/../b` as `b`, `./a` as `a`.
fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

fn clean(dir: &str) -> String {
    dir.trim_start_matches("./")
        .trim_end_matches('/')
        .to_string()
}

fn site(
    framework: &str,
    build_dir: String,
    from: String,
    immutable: Option<&'static str>,
) -> Detected {
    Detected::Site(Site {
        framework: framework.into(),
        build_dir: clean(&build_dir),
        from,
        immutable,
    })
}

/// The framework's build folder, from its config or its default.
fn configured(found: Option<(String, String)>, key: &str, default: &str) -> (String, String) {
    match found
        .as_ref()
        .and_then(|(file, text)| Some((file, js_string(text, key)?)))
    {
        Some((file, value)) => (value, format!("`{key}` in {file}")),
        None => (default.into(), "its default".into()),
    }
}

const JS_CONFIG: [&str; 5] = ["js", "mjs", "ts", "mts", "cjs"];

fn names(stem: &str) -> Vec<String> {
    JS_CONFIG.iter().map(|e| format!("{stem}.{e}")).collect()
}

fn detect(
    root: &Path,
    files: &[String],
    dir: &str,
    pkg: &serde_json::Value,
    script: &str,
) -> Detected {
    let config = |stem: &str| {
        let names = names(stem);
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        config_file(root, files, dir, &refs)
    };
    if has_dep(pkg, "next") {
        let found = config("next.config");
        let text = found.as_ref().map(|(_, t)| t.as_str()).unwrap_or_default();
        let export = Regex::new(r#"\boutput\s*:\s*['"`]export['"`]"#).expect("a valid regex");
        if export.is_match(text) {
            // With `output: 'export'`, `distDir` is the export's folder.
            let (dir, from) = configured(found.clone(), "distDir", "out");
            return site(
                "Next.js (static export)",
                dir,
                from,
                Some("_next/static/**"),
            );
        }
        if script.contains("next export") {
            let dir = script_flag(script, &["-o", "--outdir"]).unwrap_or_else(|| "out".into());
            return site(
                "Next.js (next export)",
                dir,
                "`next export`".into(),
                Some("_next/static/**"),
            );
        }
        return Detected::NotASite(
            "Next.js without `output: 'export'` needs a server (a Dockerfile and an ecs target), not a static site".into(),
        );
    }
    if has_dep(pkg, "astro") {
        let found = config("astro.config");
        let text = found.as_ref().map(|(_, t)| t.as_str()).unwrap_or_default();
        if Regex::new(r#"\boutput\s*:\s*['"`](server|hybrid)['"`]"#)
            .expect("a valid regex")
            .is_match(text)
        {
            return Detected::NotASite(
                "Astro with server output needs a server, not a static site".into(),
            );
        }
        let (dir, from) = configured(found, "outDir", "dist");
        return site("Astro", dir, from, Some("_astro/**"));
    }
    if has_dep(pkg, "@sveltejs/kit") {
        if !has_dep(pkg, "@sveltejs/adapter-static") {
            return Detected::NotASite(
                "SvelteKit without @sveltejs/adapter-static needs a server, not a static site"
                    .into(),
            );
        }
        let (dir, from) = configured(config("svelte.config"), "pages", "build");
        return site(
            "SvelteKit (adapter-static)",
            dir,
            from,
            Some("_app/immutable/**"),
        );
    }
    if has_dep(pkg, "nuxt") {
        if script.contains("nuxt generate") {
            return site(
                "Nuxt (nuxt generate)",
                ".output/public".into(),
                "its default".into(),
                Some("_nuxt/**"),
            );
        }
        return Detected::NotASite(
            "Nuxt without `nuxt generate` needs a server, not a static site".into(),
        );
    }
    if has_dep(pkg, "gatsby") {
        return site("Gatsby", "public".into(), "its default".into(), None);
    }
    if has_dep(pkg, "@docusaurus/core") {
        let dir = script_flag(script, &["--out-dir"]);
        let from = if dir.is_some() {
            "`--out-dir` in the build script"
        } else {
            "its default"
        };
        return site(
            "Docusaurus",
            dir.unwrap_or_else(|| "build".into()),
            from.into(),
            Some("assets/**"),
        );
    }
    if has_dep(pkg, "@angular/core") {
        return angular(root, files, dir);
    }
    if has_dep(pkg, "@vue/cli-service") {
        let (dir, from) = configured(config("vue.config"), "outputDir", "dist");
        return site("Vue CLI", dir, from, None);
    }
    if has_dep(pkg, "react-scripts") {
        let env = config_file(root, files, dir, &[".env.production", ".env"]);
        let from_env = env.as_ref().and_then(|(file, text)| {
            let re = Regex::new(r"(?m)^\s*BUILD_PATH\s*=\s*['\x22]?([^'\x22\s]+)")
                .expect("a valid regex");
            Some((file.clone(), re.captures(text)?[1].to_string()))
        });
        return match from_env {
            Some((file, value)) => site(
                "Create React App",
                value,
                format!("BUILD_PATH in {file}"),
                Some("static/**"),
            ),
            None => site(
                "Create React App",
                "build".into(),
                "its default".into(),
                Some("static/**"),
            ),
        };
    }
    if has_dep(pkg, "vite") {
        if let Some(dir) = script_flag(script, &["--outDir"]) {
            return site(
                "Vite",
                dir,
                "`--outDir` in the build script".into(),
                Some("assets/**"),
            );
        }
        let found = config("vite.config");
        let (out, from) = configured(found.clone(), "outDir", "dist");
        // `outDir` is relative to `root` when the config moves it.
        let vite_root = found
            .as_ref()
            .and_then(|(_, t)| js_string(t, "root"))
            .map(|r| clean(&r));
        let out = match vite_root {
            Some(r) if !out.starts_with('/') => normalize(&format!("{r}/{out}")),
            _ => out,
        };
        return site("Vite", out, from, Some("assets/**"));
    }
    if has_dep(pkg, "parcel") {
        let dir = script_flag(script, &["--dist-dir"]);
        let from = if dir.is_some() {
            "`--dist-dir` in the build script"
        } else {
            "its default"
        };
        return site(
            "Parcel",
            dir.unwrap_or_else(|| "dist".into()),
            from.into(),
            None,
        );
    }
    if has_dep(pkg, "@11ty/eleventy") {
        let dir = script_flag(script, &["--output"]);
        let from = if dir.is_some() {
            "`--output` in the build script"
        } else {
            "its default"
        };
        return site(
            "Eleventy",
            dir.unwrap_or_else(|| "_site".into()),
            from.into(),
            None,
        );
    }
    let page = ["index.html", "public/index.html", "src/index.html"]
        .iter()
        .any(|p| files.contains(&join(dir, p)));
    if page {
        return site(
            "a build init does not know",
            "dist".into(),
            "a guess: CHECK build_dir".into(),
            None,
        );
    }
    Detected::NotASite(
        "a build script, but no framework that writes a static site and no index.html".into(),
    )
}

/// Angular: `outputPath` of the first project in angular.json; the
/// application builder (Angular 17+) writes the site into its `browser/`.
fn angular(root: &Path, files: &[String], dir: &str) -> Detected {
    let Some((file, text)) = config_file(root, files, dir, &["angular.json"]) else {
        return site(
            "Angular",
            "dist".into(),
            "a guess: no angular.json".into(),
            None,
        );
    };
    let json: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    let project = json["projects"].as_object().and_then(|p| p.iter().next());
    let Some((name, project)) = project else {
        return site(
            "Angular",
            "dist".into(),
            format!("a guess: no project in {file}"),
            None,
        );
    };
    let build = &project["architect"]["build"];
    let builder = build["builder"].as_str().unwrap_or_default();
    let output = match &build["options"]["outputPath"] {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Object(o) => o
            .get("base")
            .and_then(|b| b.as_str())
            .unwrap_or("dist")
            .to_string(),
        _ => format!("dist/{name}"),
    };
    let application = builder.ends_with(":application");
    let out = if application {
        format!("{output}/browser")
    } else {
        output
    };
    site("Angular", out, format!("`outputPath` in {file}"), None)
}

/// The install and build commands (run from the repository root), and the
/// files outside the package that change its build (a lockfile of the
/// workspace above it).
fn build_command(files: &[String], dir: &str, pkg: &serde_json::Value) -> (String, Vec<String>) {
    let locks: [(&str, &str, &str); 6] = [
        (
            "pnpm-lock.yaml",
            "pnpm install --frozen-lockfile",
            "pnpm run build",
        ),
        ("yarn.lock", "yarn install --frozen-lockfile", "yarn build"),
        ("bun.lock", "bun install --frozen-lockfile", "bun run build"),
        (
            "bun.lockb",
            "bun install --frozen-lockfile",
            "bun run build",
        ),
        ("package-lock.json", "npm ci", "npm run build"),
        ("npm-shrinkwrap.json", "npm ci", "npm run build"),
    ];
    // The nearest folder, from the package up, with a lockfile.
    let mut at = Some(dir.to_string());
    while let Some(d) = at {
        if let Some((lock, install, run)) =
            locks.iter().find(|(l, _, _)| files.contains(&join(&d, l)))
        {
            let mut extra = Vec::new();
            if d != dir {
                extra.push(join(&d, lock));
                extra.push(join(&d, "package.json"));
            }
            return (commands(&d, dir, install, run), extra);
        }
        at = if d.is_empty() {
            None
        } else {
            Some(folder(&d).to_string())
        };
    }
    let (install, run) = match pkg["packageManager"].as_str().unwrap_or_default() {
        pm if pm.starts_with("pnpm") => ("pnpm install", "pnpm run build"),
        pm if pm.starts_with("yarn") => ("yarn install", "yarn build"),
        _ => ("npm install", "npm run build"),
    };
    (commands(dir, dir, install, run), Vec::new())
}

/// `cd LOCKDIR && INSTALL && cd PACKAGE && RUN`, without the `cd`s not needed.
fn commands(lock_dir: &str, dir: &str, install: &str, run: &str) -> String {
    let mut parts = Vec::new();
    if !lock_dir.is_empty() {
        parts.push(format!("cd {lock_dir}"));
    }
    parts.push(install.to_string());
    let rel = if lock_dir.is_empty() {
        dir.to_string()
    } else {
        dir.strip_prefix(&format!("{lock_dir}/"))
            .unwrap_or("")
            .to_string()
    };
    if !rel.is_empty() {
        parts.push(format!("cd {rel}"));
    }
    parts.push(run.to_string());
    parts.join(" && ")
}
