//! The `plan` binary: parse arguments, run the command, map the result to an exit code.

use std::process::ExitCode;

use clap::Parser as _;

mod cli;

// Loading a plan allocates per key and value, on two threads at once. Against glibc's malloc,
// mimalloc took the diff of every plan from 224 to 156 ms and `check --rev` from 147 to 100 ms
// (hyperfine, the benches/perf.sh repository). But mimalloc reserves address space in large
// aligned blocks: under a limit on it (`ulimit -v`, RLIMIT_AS, or RLIMIT_DATA) a gate over a
// JUnit file of 2,000,000 test cases aborted at 512 MiB where glibc's malloc finished in 253
// MiB. So a process started under such a limit keeps glibc's allocator.
#[global_allocator]
static ALLOCATOR: Allocator = Allocator;

struct Allocator;

/// Which allocator this process uses: decided once, at its first allocation (on the main
/// thread, before any other exists), and the same for every allocation and free after.
static FAST: std::sync::OnceLock<bool> = std::sync::OnceLock::new();

fn fast() -> bool {
    *FAST.get_or_init(|| {
        let unlimited = |resource| {
            let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
            // SAFETY: getrlimit writes the struct it is given and allocates nothing.
            unsafe { libc::getrlimit(resource, &mut limit) == 0 && limit.rlim_cur == libc::RLIM_INFINITY }
        };
        unlimited(libc::RLIMIT_AS) && unlimited(libc::RLIMIT_DATA)
    })
}

// SAFETY: every call goes to one allocator, the same for the whole process (see `fast`), so
// memory is always freed or grown by the allocator that gave it.
unsafe impl std::alloc::GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        unsafe { if fast() { mimalloc::MiMalloc.alloc(layout) } else { std::alloc::System.alloc(layout) } }
    }

    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        unsafe {
            if fast() { mimalloc::MiMalloc.alloc_zeroed(layout) } else { std::alloc::System.alloc_zeroed(layout) }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        // SAFETY: the caller's contract, passed on.
        unsafe {
            if fast() { mimalloc::MiMalloc.dealloc(ptr, layout) } else { std::alloc::System.dealloc(ptr, layout) }
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        unsafe {
            if fast() {
                mimalloc::MiMalloc.realloc(ptr, layout, new_size)
            } else {
                std::alloc::System.realloc(ptr, layout, new_size)
            }
        }
    }
}

fn main() -> ExitCode {
    let raw: Vec<String> = std::env::args().collect();
    let args = match cli::Cli::try_parse() {
        Ok(args) => args,
        Err(e) => {
            use clap::error::ErrorKind;
            let info = matches!(
                e.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            );
            if info || !cli::json_in_args(&raw) {
                e.exit();
            }
            // Asked for JSON: the usage error as data on stdout, the usual text on stderr.
            let _ = e.print();
            let message = e.kind().as_str().map_or_else(|| e.to_string(), str::to_owned);
            let _ = cli::emit(&supportplan::error::ErrorInfo::new("usage", message).to_json());
            return ExitCode::from(2);
        }
    };
    let json = args.json_requested();
    match cli::run(args) {
        Ok(code) => code,
        Err(err) => {
            if err.chain().any(|c| c.is::<cli::StdoutClosed>()) {
                return ExitCode::SUCCESS;
            }
            // Messages quote what the user or a file gave (a revision, a repository name):
            // no control character or workflow command reaches the terminal or the CI log.
            eprintln!("error: {}", supportplan::render::visible(&format!("{err:#}")));
            if json && err.downcast_ref::<supportplan::error::InDocument>().is_none() {
                // Standard output may be what failed (a full disk): nothing more to say then.
                let _ = cli::emit(&supportplan::error::describe(&err).to_json());
            }
            ExitCode::from(2)
        }
    }
}
