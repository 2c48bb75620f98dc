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
/// Long words anywhere in the name; short ones as a `_`-separated part (`GH_PAT`, `DB_PASS`,
/// but not `PATH`).
pub fn is_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    let anywhere = ["TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL", "PRIVATE", "APIKEY", "COOKIE", "SESSION"];
    let parts = ["KEY", "PAT", "PASS", "PEM", "AUTH", "CERT", "PWD", "PW"];
    anywhere.iter().any(|s| upper.contains(s)) || upper.split('_').any(|p| parts.contains(&p))
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
    // A descendant that leaves the group (`setsid`) is re-parented to this process rather
    // than to init, so it can still be found and killed when the step ends.
    #[cfg(target_os = "linux")]
    // SAFETY: prctl with PR_SET_CHILD_SUBREAPER only changes how orphans are re-parented.
    unsafe {
        libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    }
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
    kill_orphans();
}

/// Kills and reaps every process re-parented to this one (descendants that left the step's
/// process group), until none is left.
#[cfg(target_os = "linux")]
fn kill_orphans() {
    // SAFETY: getpid has no preconditions.
    let me = unsafe { libc::getpid() };
    for _ in 0..100 {
        let orphans = children_of(me);
        if orphans.is_empty() {
            return;
        }
        for pid in orphans {
            // SAFETY: kill and waitpid on our own child process ids.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
                libc::waitpid(pid, std::ptr::null_mut(), 0);
            }
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn kill_orphans() {}

/// Process ids whose parent is `parent`, from `/proc/<pid>/stat` (the parent id is the second
/// field after the command name, which is in parentheses and may hold spaces).
#[cfg(target_os = "linux")]
fn children_of(parent: i32) -> Vec<i32> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/stat")).ok().is_some_and(|stat| {
                let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
                rest.split_whitespace().nth(1).and_then(|p| p.parse::<i32>().ok()) == Some(parent)
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_pass_even_when_allowed() {
        assert!(
            is_secret_name("GITHUB_TOKEN") && is_secret_name("aws_secret_access_key") && is_secret_name("NPM_AUTH")
        );
        assert!(is_secret_name("GH_PAT") && is_secret_name("DB_PASS") && is_secret_name("PRIVATE_PEM"));
        assert!(!is_secret_name("PATH") && !is_secret_name("GITHUB_SHA") && !is_secret_name("LANG"));
    }
}
