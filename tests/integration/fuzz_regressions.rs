//! Every input a fuzz target found (`tests/fixtures/fuzz/`, see its README.md), run in the
//! default suite: what crashed once must keep giving an answer.

use crate::support::*;

fn found(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fuzz").join(target);
    let mut out: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap()))
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no inputs in {}", dir.display());
    out
}

/// Revision specs that panicked in gix's parser: each is refused with a reason now.
#[test]
fn revisions_that_panicked_the_parser() {
    let d = Dir::git();
    d.write("support-plan.toml", example());
    d.commit("plan", 1);
    d.commit("again", 2);
    let repo = supportplan::git::Repo::discover(d.path()).unwrap();
    for (name, bytes) in found("revision") {
        let spec = String::from_utf8_lossy(&bytes);
        let err = repo.resolve(&spec).expect_err(&name);
        assert!(!format!("{err:#}").trim().is_empty(), "{name}");
    }
    // The shape they share, through the binary: exit 2, never 101.
    for spec in ["HEAD..HEAD^-", "..@^-"] {
        let out = d.plan(&["diff", spec]);
        assert_eq!(out.code, 2, "{spec}: {}", out.stderr);
        assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    }
}
