//! The build folder: every regular file in it, with its key and MD5.
//!
//! Symlinks are followed only while they stay inside the build folder (a link
//! to `/etc/passwd` or `../../.env` is an error naming it, never an upload); a
//! link to a folder inside is walked like that folder, unless it loops. FIFOs,
//! sockets and devices are errors. Dotfiles and dot-folders are skipped unless
//! `include_hidden`, except `.well-known/` at the root (RFC 8615: ACME,
//! security.txt, app links), which is always part of a site.

use md5::{Digest, Md5};
use std::fs;
use std::io::Read;
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};

use crate::error::{io, WebError};

/// One file of the build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalFile {
    /// The S3 key: the path below the build folder, `/`-separated.
    pub key: String,
    /// A symlink's target, resolved; `None` for a regular file, which is
    /// `build_dir/key` (not stored: 100,000 paths cost memory).
    pub target: Option<PathBuf>,
    pub size: u64,
    /// Lowercase hex.
    pub md5: String,
}

impl LocalFile {
    /// The file to read.
    pub fn path(&self, build_dir: &Path) -> PathBuf {
        match &self.target {
            Some(t) => t.clone(),
            None => build_dir.join(&self.key),
        }
    }
}

/// The build's files, sorted by key, hashed.
pub fn walk(build_dir: &Path, include_hidden: bool) -> Result<Vec<LocalFile>, WebError> {
    let meta = match fs::metadata(build_dir) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(WebError::BuildDirMissing(build_dir.to_path_buf()))
        }
        Err(e) => return Err(io(build_dir)(e)),
    };
    if !meta.is_dir() {
        return Err(WebError::BuildDirNotAFolder(build_dir.to_path_buf()));
    }
    let root = fs::canonicalize(build_dir).map_err(io(build_dir))?;
    let mut files = Vec::new();
    // (folder on disk as named, its canonical path, key prefix)
    let mut stack = vec![(build_dir.to_path_buf(), root.clone(), String::new())];
    while let Some((dir, canonical_dir, prefix)) = stack.pop() {
        let mut entries: Vec<fs::DirEntry> = fs::read_dir(&dir)
            .map_err(io(&dir))?
            .collect::<Result<_, _>>()
            .map_err(io(&dir))?;
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let path = entry.path();
            let name = entry
                .file_name()
                .into_string()
                .map_err(|_| WebError::NotUtf8(path.clone()))?;
            if name.chars().any(char::is_control) {
                return Err(WebError::ControlCharacter { path, name });
            }
            if name.starts_with('.')
                && !include_hidden
                && !(prefix.is_empty() && name == ".well-known")
            {
                continue;
            }
            let key = format!("{prefix}{name}");
            let file_type = entry.file_type().map_err(io(&path))?;
            if file_type.is_symlink() {
                let target = match fs::canonicalize(&path) {
                    Ok(t) => t,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                        return Err(WebError::BrokenSymlink(path))
                    }
                    Err(e) => return Err(io(&path)(e)),
                };
                if !target.starts_with(&root) {
                    return Err(WebError::SymlinkEscapes { path, target });
                }
                let meta = fs::metadata(&target).map_err(io(&target))?;
                if meta.is_dir() {
                    if canonical_dir.starts_with(&target) {
                        return Err(WebError::Io {
                            path,
                            message: format!(
                                "a symlink to {}, which holds it: a loop",
                                target.display()
                            ),
                        });
                    }
                    stack.push((path, target, format!("{key}/")));
                } else if meta.is_file() {
                    let (md5, size) = md5_file(&target)?;
                    files.push(LocalFile {
                        key,
                        target: Some(target),
                        size,
                        md5,
                    });
                } else {
                    return Err(special(path, meta.file_type()));
                }
            } else if file_type.is_dir() {
                let canonical = canonical_dir.join(&name);
                stack.push((path, canonical, format!("{key}/")));
            } else if file_type.is_file() {
                let (md5, size) = md5_file(&path)?;
                files.push(LocalFile {
                    key,
                    target: None,
                    size,
                    md5,
                });
            } else {
                return Err(special(path, file_type));
            }
        }
    }
    if files.is_empty() {
        return Err(WebError::BuildDirEmpty(build_dir.to_path_buf()));
    }
    files.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(files)
}

fn special(path: PathBuf, file_type: fs::FileType) -> WebError {
    let kind = if file_type.is_fifo() {
        "FIFO"
    } else if file_type.is_socket() {
        "socket"
    } else if file_type.is_block_device() {
        "block device"
    } else if file_type.is_char_device() {
        "character device"
    } else {
        "special file"
    };
    WebError::SpecialFile { path, kind }
}

/// The MD5 (lowercase hex) and size of a file, read in 64 KiB blocks.
pub fn md5_file(path: &Path) -> Result<(String, u64), WebError> {
    let mut file = fs::File::open(path).map_err(io(path))?;
    let mut hasher = Md5::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf).map_err(io(path))?;
        if n == 0 {
            break;
        }
        size += n as u64;
        hasher.update(&buf[..n]);
    }
    Ok((hex(&hasher.finalize()), size))
}

pub fn md5_bytes(bytes: &[u8]) -> String {
    hex(&Md5::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 15) as usize] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_of_known_strings() {
        assert_eq!(md5_bytes(b""), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(md5_bytes(b"abc"), "900150983cd24fb0d6963f7d28e17f72");
    }

    #[test]
    fn walks_regular_files_skips_hidden_and_follows_links_inside() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("assets/img")).unwrap();
        fs::create_dir_all(root.join(".git")).unwrap();
        fs::create_dir_all(root.join(".well-known")).unwrap();
        fs::write(root.join("index.html"), "<html>").unwrap();
        fs::write(root.join("assets/img/a.png"), "png").unwrap();
        fs::write(root.join(".env"), "SECRET=1").unwrap();
        fs::write(root.join(".git/config"), "x").unwrap();
        fs::write(root.join(".well-known/security.txt"), "Contact: x").unwrap();
        std::os::unix::fs::symlink("index.html", root.join("home.html")).unwrap();
        std::os::unix::fs::symlink("assets/img", root.join("img")).unwrap();
        let keys = |hidden| -> Vec<String> {
            walk(root, hidden)
                .unwrap()
                .into_iter()
                .map(|f| f.key)
                .collect()
        };
        assert_eq!(
            keys(false),
            [
                ".well-known/security.txt",
                "assets/img/a.png",
                "home.html",
                "img/a.png",
                "index.html"
            ]
        );
        assert!(keys(true).contains(&".env".to_string()));
        assert!(keys(true).contains(&".git/config".to_string()));
        let home = walk(root, false)
            .unwrap()
            .into_iter()
            .find(|f| f.key == "home.html")
            .unwrap();
        assert_eq!(home.md5, md5_bytes(b"<html>"));
        assert_eq!(home.size, 6);
    }

    #[test]
    fn refuses_links_out_loops_and_special_files() {
        let outside = tempfile::tempdir().unwrap();
        fs::write(outside.path().join("secret"), "s").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::write(root.join("index.html"), "x").unwrap();

        std::os::unix::fs::symlink(outside.path().join("secret"), root.join("s")).unwrap();
        let err = walk(root, false).unwrap_err();
        assert!(matches!(err, WebError::SymlinkEscapes { .. }), "{err}");
        assert!(
            err.to_string().contains("outside the build folder"),
            "{err}"
        );
        fs::remove_file(root.join("s")).unwrap();

        std::os::unix::fs::symlink("../", root.join("up")).unwrap();
        assert!(matches!(
            walk(root, false).unwrap_err(),
            WebError::SymlinkEscapes { .. }
        ));
        fs::remove_file(root.join("up")).unwrap();

        fs::create_dir(root.join("sub")).unwrap();
        std::os::unix::fs::symlink("..", root.join("sub/loop")).unwrap();
        let err = walk(root, false).unwrap_err();
        assert!(err.to_string().contains("a loop"), "{err}");
        fs::remove_file(root.join("sub/loop")).unwrap();

        std::os::unix::fs::symlink("nowhere", root.join("broken")).unwrap();
        assert!(matches!(
            walk(root, false).unwrap_err(),
            WebError::BrokenSymlink(_)
        ));
        fs::remove_file(root.join("broken")).unwrap();

        let status = std::process::Command::new("mkfifo")
            .arg(root.join("pipe"))
            .status()
            .unwrap();
        assert!(status.success());
        let err = walk(root, false).unwrap_err();
        assert!(err.to_string().contains("a FIFO"), "{err}");
        assert!(err.is_bad_input());
    }

    #[test]
    fn missing_and_empty_build_folders_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            walk(&dir.path().join("dist"), false).unwrap_err(),
            WebError::BuildDirMissing(_)
        ));
        fs::write(dir.path().join(".DS_Store"), "x").unwrap();
        assert!(matches!(
            walk(dir.path(), false).unwrap_err(),
            WebError::BuildDirEmpty(_)
        ));
    }
}
