//! `connect360-precompress <dir>`: writes `<file>.br` and `<file>.gz` beside every widget asset
//! in `dir` (see `connect360_server::precompress`).

use std::path::PathBuf;
use std::process::ExitCode;

use connect360_server::precompress::precompress_dir;

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: connect360-precompress <dir>");
        return ExitCode::from(2);
    };
    match precompress_dir(&dir) {
        Ok(written) => {
            println!(
                "precompressed {written} file(s) in {} (brotli 11, gzip 9)",
                dir.display()
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("connect360-precompress: {}: {error}", dir.display());
            ExitCode::FAILURE
        }
    }
}
