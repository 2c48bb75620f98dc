//! Running a `command` release step: no shell, a timeout, the child killed when it hangs.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::CommandOutcome;

pub fn run(argv: &[String], timeout: Duration, dir: &Path) -> CommandOutcome {
    let Some((program, args)) = argv.split_first() else {
        return CommandOutcome::FailedToStart("`run` is empty".into());
    };
    let child = Command::new(program)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => return CommandOutcome::FailedToStart(e.to_string()),
    };
    let stdout = child.stdout.take();
    let reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut s) = stdout {
            let _ = std::io::Read::read_to_end(&mut std::io::Read::take(&mut s, 1 << 20), &mut buf);
        }
        buf
    });
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                let out = reader.join().unwrap_or_default();
                let stdout = String::from_utf8_lossy(&out).into_owned();
                return CommandOutcome::Exited { code: status.code().unwrap_or(-1), stdout };
            }
            Ok(None) if started.elapsed() >= timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return CommandOutcome::TimedOut;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return CommandOutcome::FailedToStart(e.to_string()),
        }
    }
}
