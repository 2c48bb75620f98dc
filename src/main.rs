//! The `plan` binary: parse arguments, run the command, map the result to an exit code.

use std::process::ExitCode;

use clap::Parser as _;

mod cli;

// Loading a plan allocates per key and value, on two threads at once. Against glibc's malloc,
// mimalloc took the diff of every plan from 224 to 156 ms and `check --rev` from 147 to 100 ms
// (hyperfine, the benches/perf.sh repository).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
            print!("{}", supportplan::error::ErrorInfo::new("usage", message).to_json());
            return ExitCode::from(2);
        }
    };
    let json = args.json_requested();
    match cli::run(args) {
        Ok(code) => code,
        Err(err) => {
            let broken_pipe = err.chain().any(|c| {
                c.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            });
            if broken_pipe {
                return ExitCode::SUCCESS;
            }
            // Messages quote what the user or a file gave (a revision, a repository name):
            // no control character or workflow command reaches the terminal or the CI log.
            eprintln!("error: {}", supportplan::render::visible(&format!("{err:#}")));
            if json && err.downcast_ref::<supportplan::error::InDocument>().is_none() {
                print!("{}", supportplan::error::describe(&err).to_json());
            }
            ExitCode::from(2)
        }
    }
}
