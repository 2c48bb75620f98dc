//! Running a `command` release step: no shell, a scrubbed environment, its own process
//! group, and a timeout after which the whole group is killed. Only the plan committed at the
//! gated revision names commands, and a preview never runs them.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::CommandOutcome;

/// Variables a command always gets (when set): what a build needs to find its tools, and
/// the non-secret context of a CI run.
const PASSED: &[&str] = &[
    "PATH",
    "HOME",
    "LANG",
    "TMPDIR",
    "TZ",
    "CI",
    "GITHUB_ACTIONS",
    "GITHUB_SHA",
    "GITHUB_REF",
    "GITHUB_REF_NAME",
    "GITHUB_REPOSITORY",
    "GITHUB_RUN_ID",
    "GITHUB_RUN_NUMBER",
    "GITHUB_WORKSPACE",
    "GITHUB_SERVER_URL",
    "RUNNER_OS",
    "RUNNER_ARCH",
    "RUNNER_TEMP",
];

/// Captured output is cut here; the rest is drained and dropped.
const MAX_OUTPUT: u64 = 1 << 20;

/// Whether a variable name looks like it holds a secret: never passed, whatever allows it.
pub fn is_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    ["TOKEN", "SECRET", "KEY", "PASSWORD", "PASSWD", "CREDENTIAL", "AUTH", "COOKIE", "SESSION"]
        .iter()
        .any(|s| upper.contains(s))
}

/// The environment a command runs with: the fixed allowlist, `LC_*`, and the `extra` names
/// (already allowed by the repository config), never a secret-looking name.
pub fn environment(extra: &[String]) -> Vec<(String, String)> {
    std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .filter(|(k, _)| PASSED.contains(&k.as_str()) || k.starts_with("LC_") || extra.contains(k))
        .filter(|(k, _)| !is_secret_name(k))
        .collect()
}

pub fn run(argv: &[String], timeout: Duration, dir: &Path, extra_env: &[String]) -> CommandOutcome {
    let Some((program, args)) = argv.split_first() else {
        return CommandOutcome::FailedToStart("`run` is empty".into());
    };
    let mut command = Command::new(program);
    command
        .args(args)
        .current_dir(dir)
        .env_clear()
        .envs(environment(extra_env))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = match command.spawn() {
        Ok(c) => c,
        Err(e) => return CommandOutcome::FailedToStart(e.to_string()),
    };
    let group = child.id();
    let stdout = child.stdout.take();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut s) = stdout {
            use std::io::Read;
            let _ = (&mut s).take(MAX_OUTPUT).read_to_end(&mut buf);
            let _ = std::io::copy(&mut s, &mut std::io::sink());
        }
        let _ = tx.send(buf);
    });
    let started = Instant::now();
    let outcome = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status.code().unwrap_or(-1)),
            Ok(None) if started.elapsed() >= timeout => break None,
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => {
                kill_group(group, &mut child);
                return CommandOutcome::FailedToStart(e.to_string());
            }
        }
    };
    // Whatever the command left behind (`sleep 15 &`) goes with it: the group is killed, so
    // nothing outlives the step or holds its output open.
    kill_group(group, &mut child);
    let left = timeout.saturating_sub(started.elapsed()).max(Duration::from_millis(200));
    let out = rx.recv_timeout(left).unwrap_or_default();
    match outcome {
        Some(code) => CommandOutcome::Exited { code, stdout: String::from_utf8_lossy(&out).into_owned() },
        None => CommandOutcome::TimedOut,
    }
}

fn kill_group(group: u32, child: &mut std::process::Child) {
    #[cfg(unix)]
    if let Ok(pgid) = i32::try_from(group) {
        // SAFETY: killpg only sends a signal; the group is the one this child leads.
        unsafe {
            libc::killpg(pgid, libc::SIGKILL);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_pass_even_when_allowed() {
        assert!(
            is_secret_name("GITHUB_TOKEN") && is_secret_name("aws_secret_access_key") && is_secret_name("NPM_AUTH")
        );
        assert!(!is_secret_name("PATH") && !is_secret_name("GITHUB_SHA"));
    }
}
