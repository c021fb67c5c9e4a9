//! The `scimd` binary as an operator runs it, with stdout and stderr captured whole.
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A running `scimd serve` on a loopback port of its choosing.
pub struct Server {
    child: Child,
    /// The SCIM base URL it printed.
    pub base: String,
    /// The second line it printed: the token, or a note about where it comes from.
    pub token_line: String,
    stdout: Option<JoinHandle<String>>,
    stderr: Option<JoinHandle<String>>,
}

impl Drop for Server {
    /// A failed test must not leave the server running.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Everything the process wrote.
pub struct Output {
    pub stdout: String,
    pub stderr: String,
}

/// `scimd` with no SCIMD_* variable of the test's environment, and `env` set.
pub fn command(env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_scimd"));
    for (name, _) in std::env::vars() {
        if name.starts_with("SCIMD_") || name == "RUST_LOG" {
            cmd.env_remove(name);
        }
    }
    cmd.envs(env.iter().copied());
    cmd
}

impl Server {
    /// Starts `scimd` on 127.0.0.1:0 (or the `SCIMD_LISTEN` of `env`) and waits for the two
    /// lines it prints once listening.
    pub fn start(env: &[(&str, &str)]) -> Self {
        let mut cmd = command(env);
        if !env.iter().any(|(name, _)| *name == "SCIMD_LISTEN") {
            cmd.env("SCIMD_LISTEN", "127.0.0.1:0");
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("scimd starts");
        let (lines, received) = mpsc::channel();
        let out = child.stdout.take().unwrap();
        let stdout = std::thread::spawn(move || {
            let mut all = String::new();
            for line in BufReader::new(out).lines() {
                let line = line.unwrap();
                all.push_str(&line);
                all.push('\n');
                let _ = lines.send(line);
            }
            all
        });
        let mut err = child.stderr.take().unwrap();
        let stderr = std::thread::spawn(move || {
            let mut all = String::new();
            err.read_to_string(&mut all).unwrap();
            all
        });
        let next = || {
            received
                .recv_timeout(Duration::from_secs(30))
                .expect("scimd prints its base URL and token once listening")
        };
        let base = next()
            .strip_prefix("SCIM base URL: ")
            .expect("the first line names the base URL")
            .to_owned();
        let token_line = next()
            .strip_prefix("Bearer token:  ")
            .expect("the second line is about the token")
            .to_owned();
        Self {
            child,
            base,
            token_line,
            stdout: Some(stdout),
            stderr: Some(stderr),
        }
    }

    /// SIGKILL, as a crash or the OOM killer would: no shutdown, no flush.
    pub fn crash(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// SIGTERM, wait for the exit, and everything written.
    pub async fn stop(mut self) -> Output {
        let killed = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let started = Instant::now();
        while self.child.try_wait().unwrap().is_none() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "scimd did not stop"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let joined = |h: Option<JoinHandle<String>>| h.unwrap().join().unwrap();
        Output {
            stdout: joined(self.stdout.take()),
            stderr: joined(self.stderr.take()),
        }
    }
}
