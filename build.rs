//! `scimd --version` names the git commit it was built from, when built from a checkout;
//! without `.git` (the container build copies the sources only) it is the crate version alone.
//! `scimd_build_info` on /metrics carries the same commit (`SCIMD_GIT_COMMIT`).
use std::process::Command;

fn main() {
    let version = env!("CARGO_PKG_VERSION");
    let described = match git(&["rev-parse", "--short=12", "HEAD"]) {
        Some(commit) => {
            // Rebuild when HEAD moves: HEAD itself, and the branch it points at.
            if let Some(file) = git(&["rev-parse", "--git-path", "HEAD"]) {
                println!("cargo:rerun-if-changed={file}");
            }
            if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"])
                && let Some(file) = git(&["rev-parse", "--git-path", &branch])
            {
                println!("cargo:rerun-if-changed={file}");
            }
            println!("cargo:rustc-env=SCIMD_GIT_COMMIT={commit}");
            format!("{version} ({commit})")
        }
        None => version.to_owned(),
    };
    println!("cargo:rustc-env=SCIMD_VERSION={described}");
    println!("cargo:rerun-if-changed=build.rs");
}

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}
