//! Test helpers: a temporary work tree (optionally a git repository built with the git
//! CLI, with pinned identities and dates) and the `plan` command with a fixed environment.

use std::path::{Path, PathBuf};
use std::process::Command;

pub const NOW: &str = "2026-11-26";
/// Noon UTC on [`NOW`], in seconds since the epoch. Files the tests write are dated from it
/// (see [`pin_mtime`]): evidence judged by its modification time is as old on any day the
/// tests run, not "from the future" once the real date has passed `NOW`.
pub const NOON_OF_NOW: u64 = 1_795_694_400;

/// Dates a file `seconds_before` noon on [`NOW`] (0: just after it). Each call gives a later
/// second than the one before, so git never takes a rewritten file of the same size for
/// unchanged (it compares size and modification time with its index).
pub fn pin_mtime(path: &Path, seconds_before: u64) {
    static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % 20_000;
    let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(NOON_OF_NOW + n - seconds_before);
    std::fs::File::options().write(true).open(path).and_then(|f| f.set_modified(at)).unwrap();
}

pub fn example() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/plan-templates/example.toml")).unwrap()
}

pub struct Dir {
    pub tmp: tempfile::TempDir,
}

impl Dir {
    pub fn new() -> Self {
        Dir { tmp: tempfile::tempdir().unwrap() }
    }

    /// A fresh git repository.
    pub fn git() -> Self {
        let d = Dir::new();
        d.run_git(&["init", "-q", "-b", "main"]);
        d
    }

    /// A fresh git repository using SHA-256 object ids.
    pub fn git_sha256() -> Self {
        let d = Dir::new();
        d.run_git(&["init", "-q", "-b", "main", "--object-format=sha256"]);
        d
    }

    /// Edits a file in place: replaces exactly one occurrence.
    pub fn edit(&self, rel: &str, from: &str, to: &str) {
        let text = self.read(rel);
        self.write(rel, replace_once(&text, from, to));
    }

    pub fn path(&self) -> &Path {
        self.tmp.path()
    }

    pub fn write(&self, rel: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, content).unwrap();
        pin_mtime(&p, 0);
        p
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path().join(rel)).unwrap()
    }

    pub fn run_git(&self, args: &[&str]) -> String {
        self.run_git_at(args, "2026-11-01T12:00:00Z")
    }

    /// Commits everything with a pinned author, committer and date, so ids are stable.
    pub fn commit(&self, message: &str, day: u32) -> String {
        self.commit_at(message, &format!("2026-10-{day:02}T12:00:00Z"))
    }

    /// Commits everything at `date` (RFC 3339).
    pub fn commit_at(&self, message: &str, date: &str) -> String {
        let date = date.to_owned();
        self.run_git_at(&["add", "-A"], &date);
        self.run_git_at(&["commit", "-q", "--allow-empty", "-m", message], &date);
        self.run_git(&["rev-parse", "HEAD"]).trim().to_owned()
    }

    pub fn run_git_at(&self, args: &[&str], date: &str) -> String {
        let out = Command::new("git")
            .args(args)
            .current_dir(self.path())
            .env("GIT_AUTHOR_NAME", "Alice Smith")
            .env("GIT_AUTHOR_EMAIL", "alice@acme.example.com")
            .env("GIT_COMMITTER_NAME", "Alice Smith")
            .env("GIT_COMMITTER_EMAIL", "alice@acme.example.com")
            .env("GIT_AUTHOR_DATE", date)
            .env("GIT_COMMITTER_DATE", date)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", self.path())
            .output()
            .expect("git runs");
        assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Feeds a `git fast-import` stream to the repository (objects stay loose up to 100,000).
    pub fn fast_import(&self, stream: &str) {
        use std::io::Write as _;
        let mut child = Command::new("git")
            .args(["-c", "fastimport.unpackLimit=100000", "fast-import", "--quiet", "--done"])
            .current_dir(self.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", self.path())
            .stdin(std::process::Stdio::piped())
            .spawn()
            .expect("git runs");
        child.stdin.take().unwrap().write_all(stream.as_bytes()).unwrap();
        assert!(child.wait().unwrap().success(), "git fast-import failed");
    }

    /// Runs `plan ARGS` in this directory.
    pub fn plan(&self, args: &[&str]) -> Output {
        run_plan(self.path(), args)
    }
}

pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn run_plan(dir: &Path, args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_plan"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_TOKEN")
        // The same output whether the suite runs in GitHub Actions or not.
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY")
        .output()
        .expect("plan runs");
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Checks `text` as the only plan of a fresh directory, as of [`NOW`], in JSON.
pub fn check_json(text: &str) -> (i32, serde_json::Value) {
    let d = Dir::new();
    d.write("support-plan.toml", text);
    let out = d.plan(&["check", "--now", NOW, "--format", "json"]);
    let json = serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}\n{}", out.stdout, out.stderr));
    (out.code, json)
}

/// The rule ids of the findings in a JSON check report.
pub fn rules_of(report: &serde_json::Value) -> Vec<String> {
    report["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap().to_owned()).collect()
}

/// Replaces exactly one occurrence of `from` in `text`.
pub fn replace_once(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "`{from}` must occur once");
    text.replacen(from, to, 1)
}

/// Removes the text from `start` (inclusive) up to `end` (exclusive).
pub fn cut(text: &str, start: &str, end: &str) -> String {
    let a = text.find(start).unwrap_or_else(|| panic!("no `{start}`"));
    let b = a + text[a..].find(end).unwrap_or_else(|| panic!("no `{end}` after `{start}`"));
    format!("{}{}", &text[..a], &text[b..])
}
