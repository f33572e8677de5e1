//! Running the reference peers (the node and python scripts under `interop/`)
//! from the tests: in `interop/`, with a deadline, killed on drop, and their
//! last stdout line read as a JSON report.

#![allow(dead_code)]

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::process::Command;

/// The `interop/` folder at the repository root.
pub fn interop_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join("interop")
}

/// Fails the test with the install command when the npm `package` is missing.
pub fn require_npm(package: &str) {
    assert!(
        interop_dir().join("node_modules").join(package).exists(),
        "the npm peers are missing: run `npm ci --prefix interop` (scripts/test-all.sh does)"
    );
}

/// What a peer printed.
#[derive(Debug)]
pub struct PeerOutput {
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl PeerOutput {
    /// The last stdout line as JSON (the peer's report).
    pub fn report(&self) -> Value {
        let line = self.stdout.lines().last().unwrap_or_default();
        serde_json::from_str(line).unwrap_or_else(|error| {
            panic!("no JSON report ({error}); stdout: {}; stderr: {}", self.stdout, self.stderr)
        })
    }

    /// The report, which must say `"ok": true`.
    pub fn ok_report(&self) -> Value {
        let report = self.report();
        assert_eq!(report["ok"], true, "client report: {report}; stderr: {}", self.stderr);
        report
    }
}

/// Runs `program args…` in `interop/` and waits for it, at most `timeout`.
pub async fn run(program: &str, args: Vec<OsString>, timeout: Duration) -> PeerOutput {
    let child = Command::new(program)
        .current_dir(interop_dir())
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|error| panic!("{program} is on the PATH: {error}"));
    let output = tokio::time::timeout(timeout, child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("the peer `{program} {args:?}` ran over {timeout:?}"))
        .expect("the peer ran");
    PeerOutput {
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Runs `node interop/<script> args…`.
pub async fn node(script: &str, args: &[&str], timeout: Duration) -> PeerOutput {
    let mut all = vec![interop_dir().join(script).into_os_string()];
    all.extend(args.iter().map(OsString::from));
    run("node", all, timeout).await
}
