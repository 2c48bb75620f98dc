//! The threat model in SECURITY.md, one test per threat: each reproduces the attack a pull
//! request (or a hostile file) could make, and asserts it goes nowhere.

use crate::gate::{gate, release_repo, retag, status};
use crate::support::*;

/// Adds command steps to the plan committed at the tag.
fn with_commands(d: &Dir, steps: &str) {
    retag(d, |d| {
        let t = d.read("support-plan.toml").replace(
            "required_steps = [\"qa\", \"review-board\", \"change-management\"]",
            "required_steps = [\"qa\", \"review-board\", \"change-management\", \"probe\"]",
        );
        d.write("support-plan.toml", format!("{t}\n{steps}"));
    });
}

#[cfg(feature = "github")]
#[test]
fn a_preview_never_runs_plan_commands() {
    let d = Dir::git();
    d.write("support-plan.toml", example());
    let base = d.commit("plan", 1);
    d.write(
        "support-plan.toml",
        format!(
            "{}\n[release_process.steps.probe]\nkind = \"command\"\nrun = [\"sh\", \"-c\", \"touch pwned\"]\n",
            example()
        ),
    );
    let head = d.commit("A pull request adds a command", 2);
    let body = crate::comment::dry_body_with(&d, &base, &head, &["--gate"]);
    assert!(!d.path().join("pwned").exists(), "the preview ran the pull request's command");
    assert!(body.contains("Release gate preview"), "{body}");
}

#[test]
fn commands_get_a_scrubbed_environment() {
    let d = release_repo();
    with_commands(
        &d,
        "[release_process.steps.probe]\nkind = \"command\"\nrun = [\"sh\", \"-c\", \"env > seen-env.txt\"]\nenv = [\"BUILD_FLAVOUR\"]\n",
    );
    d.write(".support-plan/config.toml", "[gate]\ncommand_env = [\"BUILD_FLAVOUR\"]\n");
    retag(&d, |_| {});
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_plan"))
        .args(["gate", "--tag", "v1.0.0", "--now", NOW, "--format", "json"])
        .current_dir(d.path())
        .env("GITHUB_TOKEN", "ghs_shouldNeverReachACommand")
        .env("AWS_SECRET_ACCESS_KEY", "nope")
        .env("BUILD_FLAVOUR", "release")
        .env("UNRELATED_VARIABLE", "x")
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status(&v, "step:probe")["status"], "pass", "{v:#}");
    let seen = d.read("seen-env.txt");
    assert!(!seen.contains("ghs_") && !seen.contains("GITHUB_TOKEN") && !seen.contains("AWS_SECRET"), "{seen}");
    assert!(!seen.contains("UNRELATED_VARIABLE"), "{seen}");
    assert!(seen.contains("PATH=") && seen.contains("BUILD_FLAVOUR=release"), "{seen}");
    // A name that looks like a secret is refused, even when the config allows it.
    let d = release_repo();
    with_commands(
        &d,
        "[release_process.steps.probe]\nkind = \"command\"\nrun = [\"true\"]\nenv = [\"GITHUB_TOKEN\"]\n",
    );
    d.write(".support-plan/config.toml", "[gate]\ncommand_env = [\"GITHUB_TOKEN\"]\n");
    retag(&d, |_| {});
    let (out, v) = gate(&d, &[]);
    assert_eq!(out.code, 2, "{v:#}");
    assert!(status(&v, "step:probe")["message"].as_str().unwrap().contains("`GITHUB_TOKEN`"), "{v:#}");
}

#[test]
fn a_timeout_kills_the_whole_process_group() {
    let d = release_repo();
    with_commands(
        &d,
        "[release_process.steps.probe]\nkind = \"command\"\nrun = [\"sh\", \"-c\", \"sleep 30 & echo $! > child.pid; echo '{}'\"]\ntimeout = \"5s\"\n",
    );
    let started = std::time::Instant::now();
    let (_, v) = gate(&d, &[]);
    let took = started.elapsed();
    assert_eq!(status(&v, "step:probe")["status"], "pass", "{v:#}");
    assert!(took.as_secs() < 15, "a background child held the gate for {took:?}");
    let pid = d.read("child.pid").trim().to_owned();
    std::thread::sleep(std::time::Duration::from_millis(200));
    let alive = std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| !s.contains(") Z "));
    assert!(!alive, "the background child {pid} outlived the step");

    // A descendant that leaves the process group (`setsid`) is still found and killed.
    let d = release_repo();
    with_commands(
        &d,
        "[release_process.steps.probe]\nkind = \"command\"\nrun = [\"sh\", \"-c\", \"setsid sh -c 'echo $$ > escaped.pid; sleep 30' & sleep 0.3; echo '{}'\"]\ntimeout = \"5s\"\n",
    );
    let started = std::time::Instant::now();
    let (_, v) = gate(&d, &[]);
    assert_eq!(status(&v, "step:probe")["status"], "pass", "{v:#}");
    assert!(started.elapsed().as_secs() < 15, "a setsid child held the gate");
    let pid = d.read("escaped.pid").trim().to_owned();
    let alive = std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| !s.contains(") Z "));
    assert!(!alive, "the setsid child {pid} outlived the step");

    let d = release_repo();
    with_commands(
        &d,
        "[release_process.steps.probe]\nkind = \"command\"\nrun = [\"sh\", \"-c\", \"sleep 30 & sleep 30\"]\ntimeout = \"1s\"\n",
    );
    let started = std::time::Instant::now();
    let (_, v) = gate(&d, &[]);
    assert!(started.elapsed().as_secs() < 15, "the timeout did not kill the group");
    assert!(status(&v, "step:probe")["message"].as_str().unwrap().contains("did not finish within 1s"));
}

#[test]
fn evidence_paths_that_leave_the_directory_are_refused() {
    for path in ["../../../etc/passwd", "/etc/passwd", "~/.docker/config.json", "evidence/../../x.json"] {
        let d = Dir::git();
        d.write(
            "support-plan.toml",
            example().replace("path = \"reports/synthetic-7d.json\"", &format!("path = \"{path}\"")),
        );
        let out = d.plan(&["check", "--now", NOW]);
        assert_eq!(out.code, 2, "{path}: {}", out.stdout);
        assert!(
            out.stdout.contains("refs/path") || out.stderr.contains("refs/path"),
            "{path}: {}{}",
            out.stdout,
            out.stderr
        );
    }
    // A link inside the evidence directory that points out of it is not read.
    let d = release_repo();
    std::fs::remove_file(d.path().join("evidence/synthetic-7d.json")).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", d.path().join("evidence/synthetic-7d.json")).unwrap();
    let (out, v) = gate(&d, &[]);
    assert_eq!(out.code, 1);
    let f = status(&v, "criterion:availability");
    assert!(f["message"].as_str().unwrap().contains("resolves outside the evidence directory"), "{f:#}");
    assert!(!out.stdout.contains("root:"), "{}", out.stdout);
}

#[test]
fn plans_and_config_linked_out_of_the_repository_are_not_read() {
    let d = Dir::git();
    std::os::unix::fs::symlink("/etc/passwd", d.path().join("support-plan.toml")).unwrap();
    std::os::unix::fs::symlink("/proc/self/environ", d.path().join("env.support-plan.toml")).unwrap();
    d.write("real/support-plan.toml", example());
    let out = d.plan(&["check", "--now", NOW]);
    let all = format!("{}{}", out.stdout, out.stderr);
    assert!(!all.contains("root:") && !all.contains("PATH="), "{all}");
    assert!(
        out.stderr
            .contains("note: skipped support-plan.toml: it is a symbolic link to something outside the repository"),
        "{all}"
    );
    assert!(out.stdout.contains("checked 1 plan"), "{all}");
    // A config linked to /dev/zero is refused, not read into memory.
    std::os::unix::fs::symlink("/dev/zero", d.path().join(".support-plan-config-link")).unwrap();
    std::fs::create_dir_all(d.path().join(".support-plan")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", d.path().join(".support-plan/config.toml")).unwrap();
    let out = d.plan(&["check", "--now", NOW]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains(".support-plan/config.toml is a symbolic link"), "{}", out.stderr);

    // A file reached through a symlinked folder, or named outside the repository, is not
    // read; a FIFO is never opened.
    let d = Dir::git();
    d.write("support-plan.toml", example());
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("support-plan.toml"), "root:x:0:0:SECRETLINE\n").unwrap();
    std::os::unix::fs::symlink(outside.path(), d.path().join("linkdir")).unwrap();
    let secret = outside.path().join("support-plan.toml");
    for arg in ["linkdir/support-plan.toml", secret.to_str().unwrap()] {
        let out = d.plan(&["check", arg, "--now", NOW]);
        assert_eq!(out.code, 2, "{arg}");
        assert!(!out.stdout.contains("SECRETLINE") && !out.stderr.contains("SECRETLINE"), "{arg}: {}", out.stderr);
        assert!(out.stderr.contains("is outside the repository"), "{arg}: {}", out.stderr);
    }
    let fifo = d.path().join("pipe.support-plan.toml");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let out = d.plan(&["check", "pipe.support-plan.toml", "--now", NOW]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("not a regular file"), "{}", out.stderr);
}

#[cfg(feature = "github")]
#[test]
fn hostile_paths_cannot_inject_markdown() {
    let d = Dir::git();
    d.write("support-plan.toml", example());
    let base = d.commit("plan", 1);
    let hostile = "docs/a)@octocat(b <!-- supportplan:comment:v1 key=default head=x -->/x.support-plan.toml";
    d.write(hostile, example().replace("product = \"acme-billing\"", "product = \"acme-docs\""));
    let head = d.commit("A plan at a hostile path", 2);
    let body = crate::comment::dry_body_with(&d, &base, &head, &[]);
    assert_eq!(body.matches("<!-- supportplan:comment:v1").count(), 1, "{body}");
    assert!(!body.contains("@octocat"), "a raw mention:\n{body}");
    assert!(body.contains("a%29%40octocat%28b"), "the link target is not percent-encoded:\n{body}");

    // A newline in a path cannot start a line of Markdown (a heading, a list, a link).
    let d = Dir::git();
    d.write("support-plan.toml", example());
    let base = d.commit("plan", 1);
    let hostile = "svc\n\nAPPROVED BY SECURITY\n===\n\n- [x] reviewed\n/x.support-plan.toml";
    d.write(hostile, example().replace("product = \"acme-billing\"", "product = \"acme-svc\""));
    let head = d.commit("A plan at a path with newlines", 2);
    let body = crate::comment::dry_body_with(&d, &base, &head, &[]);
    assert!(!body.lines().any(|l| l == "===" || l.starts_with("- [x]") || l == "APPROVED BY SECURITY"), "{body}");
    assert!(body.contains("svc␤␤APPROVED BY SECURITY␤"), "{body}");
    let out = d.plan(&["diff", &base, &head]);
    assert!(!out.stdout.lines().any(|l| l.trim() == "==="), "{}", out.stdout);
}

#[test]
fn plan_text_cannot_forge_workflow_commands_or_escape_the_terminal() {
    let d = Dir::git();
    d.write("support-plan.toml", example());
    d.commit("plan", 1);
    d.edit(
        "support-plan.toml",
        "text = \"Customers pay without noticeable delay.\"",
        "text = \"bob\\n::error title=forged::release approved\\u001b[2J\\u001b]0;pwned\\u0007\"",
    );
    d.edit(
        "support-plan.toml",
        "email = \"bob@acme.example.com\"",
        "email = \"bob\\n::error title=forged::x\\u001b[8m\"",
    );
    d.commit("Hostile text", 2);
    for args in [&["diff", "HEAD~1", "HEAD"][..], &["log"][..], &["check", "--now", NOW][..]] {
        let out = d.plan(args);
        for line in out.stdout.lines() {
            assert!(
                !line.trim_start().starts_with("::"),
                "{args:?}: a line starts a workflow command:\n{}",
                out.stdout
            );
        }
        assert!(
            !out.stdout.contains('\u{1b}') && !out.stdout.contains('\u{7}'),
            "{args:?}: raw control characters:\n{}",
            out.stdout
        );
    }
}

#[test]
fn a_token_with_a_trailing_newline_works_and_a_bad_one_exits_3() {
    let d = Dir::git();
    d.write("support-plan.toml", example());
    let base = d.commit("plan", 1);
    d.edit("support-plan.toml", "target = \"250ms\"", "target = \"300ms\"");
    let head = d.commit("Loosen", 2);
    for (token, expected) in
        [("ghs_trailing0123456789\n", ""), ("ghs_in side0123456789", "GITHUB_TOKEN holds whitespace")]
    {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_plan"))
            .args(["comment", "--repo", "acme/billing", "--pr", "1", "--base", &base, "--head", &head, "--now", NOW])
            .current_dir(d.path())
            .env("GITHUB_TOKEN", token)
            // Nothing listens here: the request fails, which is exit 3 as well.
            .env("GITHUB_API_URL", "http://127.0.0.1:9")
            .env_remove("GITHUB_STEP_SUMMARY")
            .output()
            .unwrap();
        let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert_eq!(out.status.code(), Some(3), "{token:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(stderr.contains(expected), "{token:?}: {stderr}");
        let secret = token.trim();
        assert!(
            !stdout.contains(secret) && !stderr.contains(secret) && !stderr.contains("in side"),
            "the token leaked"
        );
    }
}

/// The composite action's install step, run for real with a stand-in `curl` that serves a
/// release from a local folder: a tampered archive is refused before anything from it runs.
#[test]
fn the_action_refuses_an_archive_that_does_not_match_its_checksum() {
    let action =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/.github/actions/supportplan/action.yml"))
            .unwrap();
    // The `run: |` block of the first step, unindented.
    let start = action.find("      run: |\n").unwrap() + "      run: |\n".len();
    let script: String = action[start..]
        .lines()
        .take_while(|l| l.starts_with("        ") || l.is_empty())
        .map(|l| format!("{}\n", l.strip_prefix("        ").unwrap_or(l)))
        .collect();
    assert!(script.contains("SHA256SUMS") && script.contains("tar -xzf"), "{script}");
    // The run step passes arguments as an array, never word-split into a shell.
    assert!(action.contains("\"${extra[@]}\"") && !action.contains(" $PLAN_ARGS"), "{action}");

    let run = |tamper: bool, pin: &str| -> (i32, bool, String) {
        let d = Dir::new();
        let release = d.path().join("release");
        std::fs::create_dir_all(release.join("pkg")).unwrap();
        std::fs::write(release.join("pkg/plan"), "#!/bin/sh\necho pwned > \"$PWNED\"\n").unwrap();
        let archive = release.join("plan-x86_64-unknown-linux-gnu.tar.gz");
        let tar = |dir: &std::path::Path| {
            assert!(
                std::process::Command::new("tar")
                    .args(["-czf", archive.to_str().unwrap(), "-C", dir.to_str().unwrap(), "plan"])
                    .status()
                    .unwrap()
                    .success()
            );
        };
        tar(&release.join("pkg"));
        let sums = std::process::Command::new("sha256sum").arg(&archive).output().unwrap();
        let hash = String::from_utf8_lossy(&sums.stdout).split(' ').next().unwrap().to_owned();
        std::fs::write(release.join("SHA256SUMS"), format!("{hash}  plan-x86_64-unknown-linux-gnu.tar.gz\n")).unwrap();
        if tamper {
            std::fs::write(release.join("pkg/plan"), "#!/bin/sh\necho evil\n").unwrap();
            tar(&release.join("pkg"));
        }
        // curl -sSfL --retry 3 -o FILE URL → copy the URL's last part from the release folder.
        let bin = d.path().join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        let curl = bin.join("curl");
        std::fs::write(
            &curl,
            format!(
                "#!/bin/sh\nprev=\nfor a; do [ \"$prev\" = -o ] && file=$a; prev=$a; done\ncp \"{}/${{prev##*/}}\" \"$file\"\n",
                release.display()
            ),
        )
        .unwrap();
        std::process::Command::new("chmod").args(["+x", curl.to_str().unwrap()]).status().unwrap();
        let temp = d.path().join("runner-temp");
        let github_path = d.path().join("github-path");
        std::fs::create_dir_all(&temp).unwrap();
        let out = std::process::Command::new("bash")
            .args(["-c", &script])
            .env("PATH", format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()))
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "X64")
            .env("RUNNER_TEMP", &temp)
            .env("GITHUB_PATH", &github_path)
            .env("PLAN_VERSION", "v0.1.0")
            .env("PLAN_SHA256", if pin == "right" { hash.as_str() } else { pin })
            .output()
            .unwrap();
        let installed = temp.join("plan-bin/plan").exists();
        (out.status.code().unwrap_or(-1), installed, String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let (code, installed, _) = run(false, "");
    assert_eq!((code, installed), (0, true), "a matching archive installs");
    let (code, installed, out) = run(true, "");
    assert_eq!((code, installed), (2, false), "a tampered archive must not be unpacked: {out}");
    assert!(out.contains("does not match the release's SHA256SUMS"), "{out}");
    let (code, installed, out) = run(false, "0000");
    assert_eq!((code, installed), (2, false), "{out}");
    assert!(out.contains("does not match the pinned sha256"), "{out}");
    let (code, installed, _) = run(false, "right");
    assert_eq!((code, installed), (0, true));
}

/// The gate's step of the composite action holds no token: the plan's commands run under it
/// and could read the environment of every process above them.
#[test]
fn the_actions_gate_step_has_no_token() {
    let action =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/.github/actions/supportplan/action.yml"))
            .unwrap();
    let start = action.find("- name: Run plan gate").expect("a gate step");
    let end = action[start + 1..].find("- name:").map_or(action.len(), |i| start + 1 + i);
    let step = &action[start..end];
    assert!(!step.to_lowercase().contains("token"), "{step}");
    let comment = &action[action.find("- name: Run plan comment").unwrap()..start];
    assert!(comment.contains("GITHUB_TOKEN: ${{ inputs.github-token }}"), "{comment}");
}

/// Every input the workflows (and the README's copy-paste workflows) hand the composite action
/// is one the action declares: a misspelt `token:` would be dropped without a word by
/// GitHub, and the step would run with the default token (an App's login never matches).
#[test]
fn the_workflows_pass_only_inputs_the_action_declares() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let action = std::fs::read_to_string(root.join(".github/actions/supportplan/action.yml")).unwrap();
    let inputs_block = &action[action.find("\ninputs:\n").unwrap()..action.find("\nruns:\n").unwrap()];
    let declared: Vec<&str> = inputs_block
        .lines()
        .filter(|l| l.starts_with("  ") && !l.starts_with("   ") && l.trim_end().ends_with(':'))
        .map(|l| l.trim().trim_end_matches(':'))
        .collect();
    assert!(declared.contains(&"github-token") && declared.contains(&"args"), "{declared:?}");
    let mut texts: Vec<(String, String)> = std::fs::read_dir(root.join(".github/workflows"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| (p.display().to_string(), std::fs::read_to_string(&p).unwrap()))
        .collect();
    texts.push(("README.md".into(), std::fs::read_to_string(root.join("README.md")).unwrap()));
    let mut checked = 0;
    for (file, text) in &texts {
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            if !line.contains("uses: supportplan/supportplan/.github/actions/supportplan@") {
                continue;
            }
            let indent = line.len() - line.trim_start().len() + 2;
            let Some(with) = lines[i + 1..].iter().position(|l| l.trim() == "with:") else { continue };
            for l in &lines[i + 1 + with + 1..] {
                let own = l.len() - l.trim_start().len();
                if l.trim().is_empty() || own <= indent {
                    break;
                }
                if own == indent + 2
                    && let Some((key, _)) = l.trim().split_once(':')
                {
                    assert!(declared.contains(&key), "{file}: `{key}` is no input of the action ({declared:?})");
                    checked += 1;
                }
            }
        }
    }
    assert!(checked >= 8, "the workflows' inputs were read: {checked}");
}

/// `GITHUB_EVENT_PATH` may name a FIFO or `/dev/zero`: reading stops at GitHub's 25 MiB cap
/// (it had read until the machine ran out of memory).
#[cfg(feature = "github")]
#[test]
fn an_endless_event_payload_is_read_only_to_its_cap() {
    let d = Dir::git();
    d.write("support-plan.toml", example());
    d.commit("plan", 1);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_plan"))
        .args(["comment", "--dry-run", "--now", NOW])
        .current_dir(d.path())
        .env("GITHUB_EVENT_NAME", "pull_request")
        .env("GITHUB_EVENT_PATH", "/dev/zero")
        .env_remove("GITHUB_TOKEN")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("GITHUB_EVENT_PATH /dev/zero is over the 26214400 bytes"), "{stderr}");
}

/// Characters that change how text reads without showing themselves (line and paragraph
/// separators, zero-width spaces, direction marks, the byte-order mark) are shown escaped in
/// a terminal and dropped from Markdown, like the bidirectional overrides.
#[test]
fn invisible_characters_from_a_plan_are_never_printed_raw() {
    let d = Dir::git();
    d.write("support-plan.toml", example());
    d.commit("plan", 1);
    let sneaky = "Acme\u{2028}Billing\u{200b}\u{200f}\u{061c}\u{feff}\u{2060}";
    d.edit("support-plan.toml", "title = \"Acme Billing Service\"", &format!("title = \"{sneaky}\""));
    let raw = ['\u{2028}', '\u{200b}', '\u{200f}', '\u{061c}', '\u{feff}', '\u{2060}'];
    let diff = d.plan(&["diff", "HEAD"]);
    assert_eq!(diff.code, 0, "{}", diff.stderr);
    assert!(diff.stdout.contains("\\u{2028}"), "{}", diff.stdout);
    let rendered = d.plan(&["render"]);
    assert_eq!(rendered.code, 0, "{}", rendered.stderr);
    for (what, text) in [("diff", &diff.stdout), ("render", &rendered.stdout)] {
        for c in raw {
            assert!(!text.contains(c), "{what}: a raw U+{:04X} in:\n{text}", c as u32);
        }
    }
}
