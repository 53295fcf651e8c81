//! The timeline pages `--html` and `--html-dir` write, opened in a real
//! browser: headless Chromium (Debian's `chromium`, which `.ci/run`
//! installs) renders them with no console message, and the lanes and the
//! failure marker are in the DOM its scripts leave behind. Without
//! Chromium the browser tests fail on CI and are skipped elsewhere.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use support::{procreg, text};

/// Where Debian's package puts the browser.
const CHROMIUM: &str = "/usr/bin/chromium";

/// The browser, or `None` (after saying why) off CI when it is missing.
fn chromium() -> Option<&'static str> {
    if Path::new(CHROMIUM).exists() {
        return Some(CHROMIUM);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{CHROMIUM} is missing: .ci/run installs Debian's chromium package"
    );
    eprintln!("skipped: {CHROMIUM} is missing (apt-get install chromium)");
    None
}

/// What the browser saw: the DOM after the page's scripts ran, and every
/// console message it logged.
struct Rendered {
    dom: String,
    console: Vec<String>,
}

/// Opens `page` in headless Chromium, with no network and a fresh profile.
fn render(browser: &str, page: &Path, profile: &Path) -> Rendered {
    let url = format!("file://{}", page.display());
    let output = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=2000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(&url)
        .output()
        .expect("chromium runs");
    let console = text(&output.stderr)
        .lines()
        .filter(|line| line.contains(":CONSOLE"))
        .map(str::to_owned)
        .collect();
    Rendered {
        dom: text(&output.stdout),
        console,
    }
}

/// The checks every page passes: its scripts ran to the end with no error
/// and nothing on the console.
fn assert_rendered_cleanly(rendered: &Rendered, what: &str) {
    assert!(
        rendered.console.is_empty(),
        "{what}: console messages: {:?}",
        rendered.console
    );
    assert!(
        rendered.dom.contains("data-rendered=\"yes\""),
        "{what}: the page's script did not finish"
    );
    assert!(
        !rendered.dom.contains("data-errors="),
        "{what}: a script error was recorded"
    );
}

fn scratch() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

fn page_in(dir: &Path, name: &str) -> PathBuf {
    dir.join(name)
}

/// `procreg replay sim --seed 3 --backend mutant:stale_renew_accepted --html PAGE`,
/// which fails (exit 1); its stdout.
fn draw_failing_seed_3(page: &Path) -> String {
    let output = procreg(&[
        "replay",
        "sim",
        "--seed",
        "3",
        "--backend",
        "mutant:stale_renew_accepted",
        "--html",
        page.to_str().expect("utf-8"),
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    text(&output.stdout)
}

#[test]
fn a_failing_seed_renders_in_chromium_with_its_lanes_and_violation() {
    let Some(browser) = chromium() else {
        return;
    };
    let dir = scratch();
    let page = page_in(dir.path(), "seed-3.html");
    let stdout = draw_failing_seed_3(&page);
    assert!(
        stdout.contains(&format!("picture: {}", page.display())),
        "the text names the page"
    );
    let rendered = render(browser, &page, &dir.path().join("profile"));
    assert_rendered_cleanly(&rendered, "seed 3");
    for lane in ["faults", "worker-0.1", "registry", "sink", "producer"] {
        assert!(
            rendered.dom.contains(&format!("data-lane=\"{lane}\"")),
            "lane {lane} is in the DOM"
        );
    }
    assert!(rendered.dom.contains("class=\"mark violation\""));
    assert!(rendered.dom.contains("data-marks=\"1\""), "one violation");
}

#[test]
fn a_quiet_passing_seed_renders_in_chromium_without_a_marker() {
    let Some(browser) = chromium() else {
        return;
    };
    let dir = scratch();
    let page = page_in(dir.path(), "seed-0.html");
    let output = procreg(&[
        "sim",
        "--seed",
        "0",
        "--quiet",
        "--html",
        page.to_str().expect("utf-8"),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("picture of seed 0: "));
    let size = std::fs::metadata(&page).expect("written").len();
    assert!(size < 3_000_000, "the default world's page is {size} bytes");
    let rendered = render(browser, &page, &dir.path().join("profile"));
    assert_rendered_cleanly(&rendered, "seed 0");
    assert!(rendered.dom.contains("data-lane=\"worker-3.1\""));
    assert!(rendered.dom.contains("data-marks=\"0\""), "nothing failed");
}

#[test]
fn failing_histories_render_in_chromium_with_the_call_that_cannot_be_placed() {
    let Some(browser) = chromium() else {
        return;
    };
    let dir = scratch();
    let pictures = dir.path().join("pictures");
    let report = dir.path().join("report.xml");
    let output = procreg(&[
        "check",
        "--backend",
        "mutant:stale_renew_accepted",
        "--only",
        "linearizability",
        "--format",
        "junit",
        "--quiet",
        "--out",
        report.to_str().expect("utf-8"),
        "--html-dir",
        pictures.to_str().expect("utf-8"),
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let page = pictures.join("history-seed-0.html");
    let junit = std::fs::read_to_string(&report).expect("report written");
    assert!(
        junit.contains(&format!("picture: {}", page.display())),
        "the JUnit failure names the page"
    );
    let rendered = render(browser, &page, &dir.path().join("profile"));
    assert_rendered_cleanly(&rendered, "history seed 0");
    assert!(rendered.dom.contains("data-lane=\"client-0\""));
    assert!(rendered.dom.contains("class=\"bar op-unplaced\""));
    assert!(rendered.dom.contains("class=\"mark violation\""));
    assert!(rendered.dom.contains("Model state before"));
}

#[test]
fn an_unwritable_html_path_is_a_usage_error_before_anything_runs() {
    let dir = scratch();
    let blocked = dir.path().join("a-file");
    std::fs::write(&blocked, "not a directory").expect("written");
    let inside = blocked.join("page.html");
    let inside = inside.to_str().expect("utf-8");
    for args in [
        vec!["replay", "sim", "--seed", "3", "--html", inside],
        vec!["sim", "--seed", "3", "--html", inside],
        vec!["check", "--only", "linearizability", "--html-dir", inside],
    ] {
        let output = procreg(&args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(
            text(&output.stderr).contains("cannot"),
            "{args:?}: {}",
            text(&output.stderr)
        );
    }
}

#[test]
fn the_same_seed_writes_a_byte_identical_page() {
    let dir = scratch();
    let pages: Vec<Vec<u8>> = ["a.html", "b.html"]
        .iter()
        .map(|name| {
            let page = page_in(dir.path(), name);
            draw_failing_seed_3(&page);
            std::fs::read(&page).expect("written")
        })
        .collect();
    assert!(
        pages[0] == pages[1],
        "two runs of seed 3 wrote different pages"
    );
}

#[test]
fn a_saved_history_replayed_with_html_renders_in_chromium() {
    let failing = support::failing_history();
    let dir = scratch();
    let saved = dir.path().join("history.json");
    std::fs::write(&saved, serde_json::to_string(&failing).expect("JSON")).expect("write");
    let page = page_in(dir.path(), "history.html");
    let output = procreg(&[
        "replay",
        "history",
        saved.to_str().expect("utf-8"),
        "--html",
        page.to_str().expect("utf-8"),
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains(&format!("picture: {}", page.display())));
    let Some(browser) = chromium() else {
        return;
    };
    let rendered = render(browser, &page, &dir.path().join("profile"));
    assert_rendered_cleanly(&rendered, "saved history");
    assert!(rendered.dom.contains("class=\"bar op-unplaced\""));
    assert!(rendered.dom.contains("data-marks=\"1\""));
}

#[test]
fn check_draws_its_first_failing_seed_and_every_report_names_the_page() {
    let dir = scratch();
    let pictures = dir.path().join("pictures");
    let page = pictures.join("sim-seed-3.html");
    let shown = format!("picture: {}", page.display());
    for format in ["text", "junit"] {
        let output = procreg(&[
            "check",
            "--backend",
            "mutant:stale_renew_accepted",
            "--only",
            "sim",
            "--seeds",
            "8",
            "--format",
            format,
            "--quiet",
            "--html-dir",
            pictures.to_str().expect("utf-8"),
        ]);
        assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
        assert!(
            text(&output.stdout).contains(&shown),
            "the {format} report names the page: {}",
            text(&output.stdout)
        );
    }
    let html = std::fs::read_to_string(&page).expect("seed 3 is drawn");
    assert!(html.contains("class=\"mark violation\""));
}

#[test]
fn a_page_never_overwrites_the_report_the_trace_or_the_history_it_draws() {
    let dir = scratch();
    let same = dir.path().join("same.out");
    let same = same.to_str().expect("utf-8");
    let saved = dir.path().join("history.json");
    std::fs::write(&saved, "{}").expect("written");
    let saved = saved.to_str().expect("utf-8");
    for args in [
        vec!["sim", "--seed", "3", "--html", same, "--out", same],
        vec!["sim", "--seed", "3", "--html", same, "--trace", same],
        vec!["replay", "history", saved, "--html", saved],
    ] {
        let output = procreg(&args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(
            text(&output.stderr).contains("would overwrite"),
            "{args:?}: {}",
            text(&output.stderr)
        );
    }
    assert_eq!(std::fs::read_to_string(saved).expect("kept"), "{}");
}

#[test]
fn the_json_report_of_a_sweep_names_the_page_of_its_first_failure() {
    let dir = scratch();
    let page = page_in(dir.path(), "first.html");
    let output = procreg(&[
        "sim",
        "--seeds",
        "8",
        "--backend",
        "mutant:stale_renew_accepted",
        "--format",
        "json",
        "--html",
        page.to_str().expect("utf-8"),
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let failures = &report["simulation"]["failures"];
    assert_eq!(failures[0]["picture"].as_str(), page.to_str(), "{failures}");
    assert!(page.exists());
}
