//! The libtest command line for a test binary built with `harness = false`
//! that holds one test (and re-executes itself for a child role): `--list`,
//! `cargo test FILTER`, `--skip`, `--exact` and `--ignored` behave as with
//! the default harness.

use std::future::Future;
use std::process::ExitCode;

/// libtest options followed by a value (other options are flags).
const WITH_VALUE: [&str; 6] = ["--test-threads", "--logfile", "--format", "--color", "-Z", "--shuffle-seed"];

/// Runs `test` on a multi-thread tokio runtime if this process's command
/// line selects `name`, printing what libtest prints.
pub fn run<F: Future<Output = ()>>(name: &str, test: impl FnOnce() -> F) -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|arg| arg == "--list") {
        println!("{name}: test");
        return ExitCode::SUCCESS;
    }
    if !selected_by(name, args) {
        println!("\nrunning 0 tests\n\ntest result: ok. 0 passed; 0 failed; 0 ignored\n");
        return ExitCode::SUCCESS;
    }
    println!("\nrunning 1 test");
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime");
    runtime.block_on(test());
    println!("test {name} ... ok\n\ntest result: ok. 1 passed; 0 failed; 0 ignored\n");
    ExitCode::SUCCESS
}

/// Whether libtest's command line `args` would run the test `name`.
fn selected_by(name: &str, args: Vec<String>) -> bool {
    let (mut filters, mut skips, mut exact) = (Vec::new(), Vec::new(), false);
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--ignored" => return false,
            "--exact" => exact = true,
            "--skip" => skips.extend(args.next()),
            option if WITH_VALUE.contains(&option) => {
                args.next();
            }
            option if option.starts_with('-') => {}
            filter => filters.push(filter.to_owned()),
        }
    }
    let matches = |pattern: &String| if exact { name == pattern } else { name.contains(pattern.as_str()) };
    (filters.is_empty() || filters.iter().any(matches)) && !skips.iter().any(matches)
}
