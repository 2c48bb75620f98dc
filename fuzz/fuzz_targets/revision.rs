//! The revision parser, against a small real repository (built once with the git CLI): any
//! spec resolves to a commit of that repository or is refused with an error naming it.
#![no_main]

use std::process::Command;

use libfuzzer_sys::fuzz_target;
use supportplan::git::Repo;

thread_local! {
    static REPO: (tempfile_dir::Dir, Repo) = build();
}

fn build() -> (tempfile_dir::Dir, Repo) {
    {
        let dir = tempfile_dir::Dir::new();
        let git = |args: &[&str]| {
            let ok = Command::new("git").arg("-C").arg(&dir.0).args(args).env("GIT_CONFIG_NOSYSTEM", "1").status();
            assert!(ok.is_ok_and(|s| s.success()), "git {args:?}");
        };
        git(&["init", "-q", "-b", "main"]);
        git(&["config", "user.name", "fuzz"]);
        git(&["config", "user.email", "fuzz@example.com"]);
        for (i, tag) in ["v1.0.0", "v1.1.0", "v2.0.0-rc.1"].iter().enumerate() {
            std::fs::write(dir.0.join("support-plan.toml"), format!("# {i}\n")).expect("write");
            git(&["add", "."]);
            git(&["commit", "-q", "-m", tag]);
            git(&["tag", "-a", tag, "-m", tag]);
        }
        git(&["branch", "side", "HEAD~1"]);
        let repo = Repo::discover(&dir.0).expect("the repository opens");
        (dir, repo)
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(spec) = std::str::from_utf8(data) else { return };
    REPO.with(|(_, repo)| match repo.resolve(spec) {
        Ok(r) => assert!(!r.id.is_null(), "{spec:?} resolved to the null id"),
        Err(e) => assert!(!format!("{e:#}").trim().is_empty(), "{spec:?} refused without a reason"),
    });
});

mod tempfile_dir {
    /// A directory under the system temp dir, removed when the fuzzer exits normally.
    pub struct Dir(pub std::path::PathBuf);

    impl Dir {
        pub fn new() -> Dir {
            let path = std::env::temp_dir().join(format!("supportplan-fuzz-rev-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&path);
            std::fs::create_dir_all(&path).expect("a temp dir");
            Dir(path)
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}
