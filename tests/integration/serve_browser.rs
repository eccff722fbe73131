//! `gen serve` in a real browser: a spec edit reloads the open page, a broken
//! spec shows the error overlay, a fix reloads again (tests/browser/serve.test.js).

use crate::common;
use common::{browser_tools, gen_ok, one_browser_at_a_time, repo};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

#[test]
fn serve_reloads_the_page_and_shows_errors_in_a_real_browser() {
    let repo = repo();
    let Some((node, modules, chromium)) = browser_tools(&["playwright-core"]) else {
        return;
    };
    let playwright = modules.join("playwright-core");
    let _browser = one_browser_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("specs")).unwrap();
    gen_ok(dir.path(), &["new", "alpha"]);

    let mut child = Command::new(env!("CARGO_BIN_EXE_gen"))
        .arg("--root")
        .arg(dir.path())
        .args(["serve", "--port", "0"])
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The server prints "serving http://127.0.0.1:PORT/" once it listens.
    let (tx, rx) = mpsc::channel();
    for stream in [
        Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
        Box::new(child.stderr.take().unwrap()),
    ] {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                if let Some(at) = line.find("http://") {
                    let url = line[at..]
                        .split_whitespace()
                        .next()
                        .unwrap_or("")
                        .to_string();
                    let _ = tx.send(url);
                }
            }
        });
    }
    let url = rx.recv_timeout(Duration::from_secs(60));
    let Ok(mut base) = url else {
        let _ = child.kill();
        panic!("gen serve printed no URL");
    };
    if !base.ends_with('/') {
        base.push('/');
    }
    let o = Command::new(node)
        .arg(repo.join("tests/browser/serve.test.js"))
        .env("BASE", &base)
        .env("SPEC", dir.path().join("specs/alpha.yaml"))
        .env("PLAYWRIGHT", &playwright)
        .env("CHROMIUM", chromium)
        .output()
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.contains("all passed"), "{out}");
}
