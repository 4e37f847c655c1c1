//! The `terraform` executable: found through `TERRAFORM` or `PATH`, and run
//! through xshell in the stack's folder. Terraform's own output streams to our
//! stderr (stdout stays for results), and its stderr is kept too, for the
//! error of a failed step; `show -json` is read.

use std::ffi::{OsStr, OsString};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use xshell::{cmd, Shell};

use crate::diagnostics;
use crate::error::InfraError;

/// A terraform executable that exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terraform {
    program: PathBuf,
}

impl Terraform {
    /// `TERRAFORM` if set (a path, or a name looked up on `PATH`), else
    /// `terraform` on `PATH`.
    pub fn from_env() -> Result<Terraform, InfraError> {
        Self::locate(std::env::var_os("TERRAFORM"), std::env::var_os("PATH"))
    }

    /// As [`Terraform::from_env`], with the two variables given.
    pub fn locate(var: Option<OsString>, path: Option<OsString>) -> Result<Terraform, InfraError> {
        let on_path = |name: &OsStr| {
            path.as_deref()
                .into_iter()
                .flat_map(std::env::split_paths)
                .map(|dir| dir.join(name))
                .find(|p| is_executable(p))
        };
        match var.filter(|v| !v.is_empty()) {
            Some(value) => {
                let shown = value.to_string_lossy().into_owned();
                let as_path = Path::new(&value);
                if as_path.components().count() > 1 || as_path.is_absolute() {
                    if !as_path.exists() {
                        return Err(InfraError::BadTerraformVar {
                            value: shown,
                            reason: "no such file".into(),
                        });
                    }
                    if !is_executable(as_path) {
                        return Err(InfraError::BadTerraformVar {
                            value: shown,
                            reason: "not an executable file".into(),
                        });
                    }
                    Ok(Terraform {
                        program: as_path.to_path_buf(),
                    })
                } else {
                    on_path(&value)
                        .map(|program| Terraform { program })
                        .ok_or_else(|| InfraError::BadTerraformVar {
                            value: shown,
                            reason: "not found on PATH".into(),
                        })
                }
            }
            None => on_path(OsStr::new("terraform"))
                .map(|program| Terraform { program })
                .ok_or(InfraError::TerraformNotFound),
        }
    }

    pub fn program(&self) -> &Path {
        &self.program
    }

    /// A shell in `dir` with Terraform's automation settings.
    pub(crate) fn shell(&self, dir: &Path) -> Result<Shell, InfraError> {
        if !dir.is_dir() {
            return Err(InfraError::StackDirNotFound(dir.to_path_buf()));
        }
        let sh = Shell::new().map_err(|e| InfraError::Terraform {
            step: "start",
            dir: dir.to_path_buf(),
            message: e.to_string(),
        })?;
        sh.change_dir(dir);
        // No interactive prompts, no "run terraform apply next" hints.
        sh.set_var("TF_INPUT", "0");
        sh.set_var("TF_IN_AUTOMATION", "1");
        Ok(sh)
    }

    /// Runs `terraform ARGS` in the shell's folder, its output on our stderr.
    /// A failure's error holds terraform's own error messages.
    pub(crate) fn stream(
        &self,
        sh: &Shell,
        step: &'static str,
        args: &[String],
    ) -> Result<(), InfraError> {
        let program = &self.program;
        let color = (!std::io::stderr().is_terminal()).then_some("-no-color");
        let cmd = cmd!(sh, "{program} {step} {color...} {args...}").quiet();
        eprintln!("$ {cmd}");
        let mut command = std::process::Command::from(cmd);
        command.stdout(stderr_stdio());
        let (status, stderr) =
            run_keeping_stderr(&mut command).map_err(|e| self.failed(sh, step, e))?;
        if status.success() {
            Ok(())
        } else {
            Err(diagnostics::failure(
                step,
                &sh.current_dir(),
                &status.to_string(),
                &stderr,
            ))
        }
    }

    /// `terraform show -json PLANFILE`, read.
    pub(crate) fn show_json(&self, sh: &Shell, plan_file: &Path) -> Result<String, InfraError> {
        let program = &self.program;
        let cmd = cmd!(sh, "{program} show -json {plan_file}").quiet();
        let mut command = std::process::Command::from(cmd);
        command.stderr(stderr_stdio());
        let out = retry_busy(|| command.output()).map_err(|e| self.failed(sh, "show", e))?;
        if !out.status.success() {
            return Err(self.failed(sh, "show", format!("{} (its output is above)", out.status)));
        }
        String::from_utf8(out.stdout)
            .map_err(|_| self.failed(sh, "show", "its output is not UTF-8"))
    }

    fn failed(&self, sh: &Shell, step: &'static str, e: impl ToString) -> InfraError {
        InfraError::Terraform {
            step,
            dir: sh.current_dir(),
            message: e.to_string(),
        }
    }
}

/// Runs `command` to its end with its stderr copied to ours as it comes, and
/// returns that stderr too. The copy goes through a temp file rather than a
/// pipe: if we exit first (Ctrl-C), terraform's writes to a pipe nobody reads
/// would kill it with SIGPIPE, mid-apply and holding the state lock; a file
/// never refuses them.
fn run_keeping_stderr(
    command: &mut std::process::Command,
) -> std::io::Result<(std::process::ExitStatus, String)> {
    use std::io::{Read, Write};
    let log = tempfile::Builder::new()
        .prefix("xtask-terraform-stderr-")
        .tempfile()?;
    command.stderr(log.reopen()?);
    let mut child = retry_busy(|| command.spawn())?;
    let mut reader = log.reopen()?;
    let mut kept = Vec::new();
    let mut buf = [0u8; 8192];
    // What terraform wrote since the last call; a read that fails (never, on
    // a local file) only ends the copy: the run is still waited for.
    let mut copy = |reader: &mut std::fs::File, kept: &mut Vec<u8>| -> usize {
        let n = reader.read(&mut buf).unwrap_or(0);
        let _ = std::io::stderr().write_all(&buf[..n]);
        kept.extend_from_slice(&buf[..n]);
        n
    };
    let status = loop {
        if copy(&mut reader, &mut kept) > 0 {
            continue;
        }
        match child.try_wait()? {
            Some(status) => break status,
            None => std::thread::sleep(std::time::Duration::from_millis(20)),
        }
    };
    while copy(&mut reader, &mut kept) > 0 {}
    Ok((status, String::from_utf8_lossy(&kept).into_owned()))
}

/// Runs `spawn` again while the executable is "busy" (ETXTBSY): a freshly
/// written one (a just-installed terraform, a test's stand-in) stays busy while
/// any process forked elsewhere in the meantime still holds it open for
/// writing, which lasts until that process execs.
fn retry_busy<T>(mut spawn: impl FnMut() -> std::io::Result<T>) -> std::io::Result<T> {
    const ETXTBSY: i32 = 26;
    let mut attempt = 0;
    loop {
        match spawn() {
            Err(e) if e.raw_os_error() == Some(ETXTBSY) && attempt < 20 => {
                attempt += 1;
                std::thread::sleep(std::time::Duration::from_millis(10 * attempt));
            }
            other => return other,
        }
    }
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Our stderr, for a child's stdout.
fn stderr_stdio() -> std::process::Stdio {
    use std::os::fd::AsFd;
    match std::io::stderr().as_fd().try_clone_to_owned() {
        Ok(fd) => fd.into(),
        Err(_) => std::process::Stdio::inherit(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script(dir: &Path, name: &str, mode: u32) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let p = dir.join(name);
        std::fs::write(&p, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
        p
    }

    #[test]
    fn a_busy_executable_is_run_once_it_is_free() {
        let dir = tempfile::tempdir().unwrap();
        let program = script(dir.path(), "busy", 0o755);
        // Open for writing (as a process forked while it was written would
        // hold it): exec fails with ETXTBSY until it is closed.
        let writer = std::fs::OpenOptions::new()
            .write(true)
            .open(&program)
            .unwrap();
        let first = std::process::Command::new(&program).status();
        assert_eq!(
            first.unwrap_err().raw_os_error(),
            Some(26),
            "busy while open"
        );
        let release = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(100));
            drop(writer);
        });
        let status = retry_busy(|| std::process::Command::new(&program).status())
            .expect("runs once the writer is gone");
        assert!(status.success());
        release.join().unwrap();
    }

    #[test]
    fn finds_terraform_through_the_variable_or_path() {
        let dir = tempfile::tempdir().unwrap();
        let tf = script(dir.path(), "terraform", 0o755);
        let other = script(dir.path(), "tf-1.11", 0o755);
        let plain = script(dir.path(), "plain", 0o644);
        let path = Some(dir.path().as_os_str().to_owned());

        assert_eq!(Terraform::locate(None, path.clone()).unwrap().program(), tf);
        assert_eq!(
            Terraform::locate(Some(other.clone().into()), None)
                .unwrap()
                .program(),
            other
        );
        assert_eq!(
            Terraform::locate(Some("tf-1.11".into()), path.clone())
                .unwrap()
                .program(),
            other
        );
        // An empty variable is no variable.
        assert_eq!(
            Terraform::locate(Some("".into()), path.clone())
                .unwrap()
                .program(),
            tf
        );

        let err = |var: Option<&str>, path: Option<OsString>| {
            let e = Terraform::locate(var.map(Into::into), path).unwrap_err();
            assert!(e.is_bad_input(), "{e}");
            e.to_string()
        };
        assert!(err(None, Some("/nonexistent".into())).contains("terraform not found on PATH"));
        let missing = err(Some("/nonexistent/terraform"), path.clone());
        assert!(
            missing.contains("TERRAFORM=/nonexistent/terraform: no such file"),
            "{missing}"
        );
        let not_exec = err(Some(plain.to_str().unwrap()), path.clone());
        assert!(not_exec.contains("not an executable file"), "{not_exec}");
        let not_found = err(Some("tofu"), path);
        assert!(
            not_found.contains("TERRAFORM=tofu: not found on PATH"),
            "{not_found}"
        );
    }
}
