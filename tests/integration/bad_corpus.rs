//! The bad-input corpus, `tests/fixtures/bad/` (its README.md says how it is built): plans,
//! evidence files and GitHub event payloads that are each wrong in one way, with the exit
//! code, a part of the message and the place the message must name in `cases.toml`. One
//! test runs every case and reports every case that breaks, not only the first.
//!
//! Every run must also stay clean: no panic, no raw ESC or U+202E (right-to-left override)
//! reaching the terminal, no output line starting with `::` (a GitHub workflow command),
//! and no run longer than [`HANG`].

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use crate::support::*;

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/bad");

/// A run that takes longer is a hang: it is killed and reported.
const HANG: Duration = Duration::from_secs(10);

/// Runs `plan ARGS` in `dir` with the environment of [`run_plan`] (and none of GitHub's
/// context, nor `COLUMNS`, which sets the width of human tables), plus `env`, killing it
/// after [`HANG`]. `run_plan` cannot set variables or stop a run that hangs.
fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Result<Output, String> {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_plan"));
    cmd.args(args).current_dir(dir).env("NO_COLOR", "1");
    for var in [
        "GITHUB_TOKEN",
        "GITHUB_ACTIONS",
        "GITHUB_STEP_SUMMARY",
        "GITHUB_REPOSITORY",
        "GITHUB_EVENT_NAME",
        "GITHUB_EVENT_PATH",
        "GITHUB_API_URL",
        "COLUMNS",
    ] {
        cmd.env_remove(var);
    }
    for (name, value) in env {
        cmd.env(name, value);
    }
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("plan does not start: {e}"))?;
    // Drained while the child runs, so that a large output cannot block it.
    fn drain(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            bytes
        })
    }
    let stdout = drain(child.stdout.take().unwrap());
    let stderr = drain(child.stderr.take().unwrap());
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if start.elapsed() > HANG {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("still running after {} s: killed", HANG.as_secs()));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Ok(Output {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&stderr.join().unwrap()).into_owned(),
    })
}

fn text<'a>(case: &'a toml::Table, key: &str) -> Option<&'a str> {
    case.get(key).and_then(toml::Value::as_str)
}

fn number(case: &toml::Table, key: &str) -> Result<usize, String> {
    let n = case.get(key).and_then(toml::Value::as_integer).ok_or(format!("no integer `{key}`"))?;
    usize::try_from(n).map_err(|_| format!("`{key}` = {n}"))
}

/// `bytes` with every `from` replaced by `to` (payloads need not be UTF-8).
fn replace_all(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut rest = bytes;
    while let Some(at) = rest.windows(from.len()).position(|w| w == from) {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(to);
        rest = &rest[at + from.len()..];
    }
    out.extend_from_slice(rest);
    out
}

/// The file's bytes, made at runtime where the case says `generate` (too big to commit):
/// `oversized` pads the file with blank lines to `size` bytes; `nest` replaces `@NEST@` with
/// `depth` times `open` followed by `depth` times `close`.
fn content(case: &toml::Table, file: &str) -> Result<Vec<u8>, String> {
    let mut bytes = std::fs::read(Path::new(CORPUS).join(file)).map_err(|e| format!("cannot read it: {e}"))?;
    match text(case, "generate") {
        None => {}
        Some("oversized") => {
            let size = number(case, "size")?;
            let mut line = vec![b' '; 79];
            line.push(b'\n');
            while bytes.len() + line.len() <= size {
                bytes.extend_from_slice(&line);
            }
            bytes.resize(size, b' ');
        }
        Some("nest") => {
            let depth = number(case, "depth")?;
            let (open, close) = (text(case, "open").unwrap_or(""), text(case, "close").unwrap_or(""));
            if !bytes.windows(6).any(|w| w == b"@NEST@") {
                return Err("no @NEST@ in the file".into());
            }
            let nested = [open.repeat(depth), close.repeat(depth)].concat();
            bytes = replace_all(&bytes, b"@NEST@", nested.as_bytes());
        }
        Some(other) => return Err(format!("unknown generate = \"{other}\"")),
    }
    Ok(bytes)
}

/// A plan case: the file as the only plan of a fresh directory, checked as of [`NOW`].
fn plan_case(bytes: &[u8]) -> Result<Output, String> {
    let d = Dir::new();
    d.write("support-plan.toml", bytes);
    run(d.path(), &["check", "--now", NOW], &[])
}

/// An evidence case: `gate-plan.toml` plus the criterion and evidence of `[kinds.<kind>]`,
/// committed; the file in the work tree as `ev/<name>` (untracked, as CI leaves evidence);
/// a gate preview as of [`NOW`].
fn evidence_case(case: &toml::Table, kinds: &toml::Table, file: &str, bytes: &[u8]) -> Result<Output, String> {
    let kind = text(case, "kind").ok_or("no `kind`")?;
    let snippet = kinds
        .get(kind)
        .and_then(|k| k.get("plan"))
        .and_then(toml::Value::as_str)
        .ok_or(format!("no [kinds.\"{kind}\"] plan"))?;
    let name = Path::new(file).file_name().unwrap().to_string_lossy().into_owned();
    let base = std::fs::read_to_string(Path::new(CORPUS).join("gate-plan.toml")).unwrap();
    let d = Dir::git();
    d.write("support-plan.toml", format!("{base}\n{}", snippet.replace("{file}", &name)));
    d.commit("plan", 20);
    let path = d.write(&format!("ev/{name}"), bytes);
    let noon = SystemTime::UNIX_EPOCH + Duration::from_secs(NOON_OF_NOW);
    std::fs::File::options().write(true).open(&path).and_then(|f| f.set_modified(noon)).map_err(|e| e.to_string())?;
    let format = text(case, "format").unwrap_or("json");
    run(d.path(), &["gate", "--preview", "--now", NOW, "--format", format], &[])
}

/// The repository event cases run in: `main` with the example plan, and a pull request
/// branch `loosen` that loosens a threshold. Returns it with the base and head commits.
fn pull_request_repo() -> (Dir, String, String) {
    let d = Dir::git();
    d.write("support-plan.toml", example());
    let base = d.commit("plan", 1);
    d.run_git(&["checkout", "-q", "-b", "loosen"]);
    d.edit("support-plan.toml", "target = \"250ms\"", "target = \"300ms\"");
    let head = d.commit("Loosen latency", 2);
    (d, base, head)
}

/// An event case: the payload (with `@BASE@` and `@HEAD@` replaced by the pull request's
/// commits) as `GITHUB_EVENT_PATH` of a `pull_request` event, `plan comment --dry-run`
/// without a token: nothing is sent anywhere.
fn event_case(repo: &(Dir, String, String), payloads: &Dir, file: &str, bytes: &[u8]) -> Result<Output, String> {
    let (d, base, head) = repo;
    let name = Path::new(file).file_name().unwrap().to_string_lossy().into_owned();
    let bytes = replace_all(bytes, b"@BASE@", base.as_bytes());
    let bytes = replace_all(&bytes, b"@HEAD@", head.as_bytes());
    let path = payloads.write(&name, bytes);
    let path = path.to_str().unwrap();
    run(
        d.path(),
        &["comment", "--dry-run", "--now", NOW],
        &[("GITHUB_EVENT_NAME", "pull_request"), ("GITHUB_EVENT_PATH", path)],
    )
}

/// What is wrong with one run of a case; empty when it behaved as `cases.toml` says.
fn judge(case: &toml::Table, out: &Output) -> Vec<String> {
    let all = format!("{}{}", out.stdout, out.stderr);
    let mut wrong = Vec::new();
    match case.get("exit").and_then(toml::Value::as_integer) {
        Some(exit) if i64::from(out.code) == exit => {}
        Some(exit) => wrong.push(format!("exit {} (expected {exit})", out.code)),
        None => wrong.push("the case has no `exit`".into()),
    }
    match text(case, "message") {
        Some(message) if all.contains(message) => {}
        Some(message) => wrong.push(format!("no `{message}` in the output")),
        None => wrong.push("the case has no `message`".into()),
    }
    if let Some(names) = text(case, "names")
        && !all.contains(names)
    {
        wrong.push(format!("the output does not name `{names}`"));
    }
    if all.contains("panicked") {
        wrong.push("panicked".into());
    }
    if case.get("allow_raw").and_then(toml::Value::as_bool) != Some(true) {
        if all.contains('\u{1b}') {
            wrong.push("a raw ESC (0x1b) in the output".into());
        }
        if all.contains('\u{202e}') {
            wrong.push("a raw U+202E (right-to-left override) in the output".into());
        }
        if all.lines().any(|l| l.starts_with("::")) {
            wrong.push("an output line starts with `::` (a GitHub workflow command)".into());
        }
    }
    wrong
}

/// The first 600 characters of the output, control characters escaped.
fn excerpt(out: &Output) -> String {
    let all = format!("{}{}", out.stdout, out.stderr);
    let cut: String = all.chars().take(600).collect();
    let more = if all.chars().count() > 600 { " …" } else { "" };
    format!("{}{more}", cut.escape_debug())
}

#[test]
fn every_case_of_the_bad_input_corpus() {
    let manifest: toml::Table =
        toml::from_str(&std::fs::read_to_string(Path::new(CORPUS).join("cases.toml")).unwrap()).unwrap();
    let kinds = manifest.get("kinds").and_then(toml::Value::as_table).expect("[kinds] in cases.toml");
    let cases = manifest.get("case").and_then(toml::Value::as_array).expect("[[case]] in cases.toml");
    assert!(cases.len() >= 70, "the corpus has {} cases", cases.len());

    // Every file of the corpus has a case, and only one.
    let mut listed = std::collections::BTreeMap::new();
    for case in cases {
        let file = case.get("file").and_then(toml::Value::as_str).expect("every case has a `file`");
        *listed.entry(file.to_owned()).or_insert(0) += 1;
    }
    let mut failures: Vec<String> =
        listed.iter().filter(|(_, n)| **n > 1).map(|(f, n)| format!("{f}: {n} cases")).collect();
    for group in ["plans", "evidence", "events"] {
        let mut stack = vec![Path::new(CORPUS).join(group)];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let rel = path.strip_prefix(CORPUS).unwrap().to_string_lossy().replace('\\', "/");
                if !listed.contains_key(&rel) {
                    failures.push(format!("{rel}: in the corpus but not in cases.toml"));
                }
            }
        }
    }

    let repo = pull_request_repo();
    let payloads = Dir::new();
    let mut ran = 0;
    for case in cases {
        let case = case.as_table().expect("[[case]] is a table");
        let file = text(case, "file").unwrap();
        let role = text(case, "as").unwrap_or("");
        if role == "event" && !cfg!(feature = "github") {
            continue;
        }
        // A known gap (README.md, "Known gaps") is kept as the input that shows it, not run.
        if text(case, "gap").is_some() {
            continue;
        }
        let outcome = content(case, file).and_then(|bytes| match role {
            "plan" => plan_case(&bytes),
            "evidence" => evidence_case(case, kinds, file, &bytes),
            "event" => event_case(&repo, &payloads, file, &bytes),
            other => Err(format!("unknown as = \"{other}\"")),
        });
        ran += 1;
        let bug = text(case, "bug").map(|b| format!(" [known bug {b}, see README.md]")).unwrap_or_default();
        match outcome {
            Err(e) => failures.push(format!("{file}{bug}: {e}")),
            Ok(out) => {
                let wrong = judge(case, &out);
                if !wrong.is_empty() {
                    failures.push(format!("{file}{bug}: {}\n    output: {}", wrong.join("; "), excerpt(&out)));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} of {ran} bad-input cases misbehave:\n{}", failures.len(), failures.join("\n"));
}
