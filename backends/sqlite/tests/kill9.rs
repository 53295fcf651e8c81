//! kill -9: a child process appends and completes in a loop, printing each
//! acknowledged result; the parent SIGKILLs it at seeded pseudo-random points
//! (over 100 times), then reopens the file and checks that every
//! acknowledged write is there, logs are gap-free and every completed
//! process has exactly one terminal event.
//!
//! The child is this test binary itself, re-executed with
//! `PROCREG_KILL9_CHILD=<db path>` and `--exact kill9_child_entry`.

use procreg::{
    ProcessAwaitOutput, ProcessEventAppendRequest, ProcessEventType, ProcessInput,
    ProcessRegistration, ProcessRegistry, SystemClock, PROCESS_COMPLETED,
};
use procreg_sqlite::SqliteRegistry;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

const CHILD_ENV: &str = "PROCREG_KILL9_CHILD";
const KILLS: u64 = 110;
const SEED: u64 = 0x5eed_2026_0009;

fn registration(id: &str) -> ProcessRegistration {
    ProcessRegistration::new(id, ProcessInput::external(json!({})))
        .with_extra_event_types([ProcessEventType::new("tick")])
}

/// One acknowledged result, as the child printed it.
fn ack(line: &str) {
    let mut out = std::io::stdout().lock();
    // One write per line (well under PIPE_BUF), so a kill never splits it.
    let _ = out.write_all(format!("\nACK|{line}|END\n").as_bytes());
    let _ = out.flush();
}

/// The child: resume unfinished processes, then register, append and
/// complete new ones until killed.
#[test]
fn kill9_child_entry() {
    let Ok(path) = std::env::var(CHILD_ENV) else {
        return; // Not a child: nothing to do.
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        let registry = SqliteRegistry::open(&path, Arc::new(SystemClock)).expect("child open");
        let generation = std::env::var("PROCREG_KILL9_GENERATION").expect("generation");
        for record in registry.list_non_terminal().await.expect("sweep") {
            registry
                .complete_process(
                    &record.id,
                    ProcessAwaitOutput::success(json!({"resumed": true})),
                )
                .await
                .expect("resume");
            ack(&format!("complete|{}", record.id));
        }
        for n in 0.. {
            let id = format!("g{generation}-p{n}");
            registry
                .register_process(registration(&id))
                .await
                .expect("register");
            ack(&format!("register|{id}"));
            for tick in 0..(n % 4) + 1 {
                let result = registry
                    .append_event(
                        &id,
                        ProcessEventAppendRequest::new("tick", json!({"tick": tick})),
                    )
                    .await
                    .expect("append");
                ack(&format!("append|{id}|{}", result.event.sequence));
            }
            let output = ProcessAwaitOutput::success(json!({"n": n}));
            registry
                .complete_process(&id, output.clone())
                .await
                .expect("complete");
            ack(&format!("complete|{id}"));
            if n % 3 == 0 {
                // A retried completion replays; it never adds a second terminal event.
                registry
                    .complete_process(&id, output)
                    .await
                    .expect("replay");
                ack(&format!("complete|{id}"));
            }
        }
    });
}

/// A seeded xorshift: the same kill points every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[derive(Default)]
struct Acked {
    registered: BTreeSet<String>,
    appended: BTreeMap<String, BTreeSet<u64>>,
    completed: BTreeSet<String>,
    writes: u64,
}

impl Acked {
    fn record(&mut self, line: &str) {
        let Some(start) = line.find("ACK|") else {
            return;
        };
        let Some(body) = line[start + 4..].strip_suffix("|END") else {
            return; // Not a whole line: never acknowledged.
        };
        let fields: Vec<&str> = body.split('|').collect();
        match fields.as_slice() {
            ["register", id] => {
                self.registered.insert((*id).to_owned());
            }
            ["append", id, sequence] => {
                let sequence = sequence.parse().expect("sequence");
                self.appended
                    .entry((*id).to_owned())
                    .or_default()
                    .insert(sequence);
            }
            ["complete", id] => {
                self.completed.insert((*id).to_owned());
            }
            other => panic!("unexpected ack {other:?}"),
        }
        self.writes += 1;
    }
}

fn run_child(exe: &Path, db: &Path, generation: u64, run_for: Duration, acked: &mut Acked) {
    let mut child = Command::new(exe)
        .args([
            "--exact",
            "kill9_child_entry",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env(CHILD_ENV, db)
        .env("PROCREG_KILL9_GENERATION", generation.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn child");
    let stdout = child.stdout.take().expect("stdout");
    let (lines, received) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut line = Vec::new();
        loop {
            line.clear();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                // A chunk without its newline was cut by the kill: not an ack.
                Ok(_) if line.ends_with(b"\n") => {
                    let text = String::from_utf8_lossy(&line).trim_end().to_owned();
                    if lines.send(text).is_err() {
                        break;
                    }
                }
                Ok(_) => {}
            }
        }
    });
    std::thread::sleep(run_for);
    child.kill().expect("SIGKILL the child");
    let status = child.wait().expect("reap the child");
    assert!(
        !status.success(),
        "the child was killed, not finished: {status:?}"
    );
    reader.join().expect("reader");
    for line in received.try_iter() {
        acked.record(&line);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_kill_9() {
    let exe = std::env::current_exe().expect("test binary");
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("kill9.db");
    drop(SqliteRegistry::open(&db, Arc::new(SystemClock)).expect("create"));
    let started = Instant::now();
    let mut rng = Rng(SEED);
    let mut acked = Acked::default();
    for generation in 0..KILLS {
        let run_for = Duration::from_millis(20 + rng.next() % 31);
        run_child(&exe, &db, generation, run_for, &mut acked);
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the kill loop is bounded"
        );
    }
    let kill_time = started.elapsed();

    let registry = SqliteRegistry::open(&db, Arc::new(SystemClock)).expect("reopen after kills");
    let mut verified = 0u64;
    for id in &acked.registered {
        assert!(
            registry.get_process(id).await.is_some(),
            "acked registration {id} lost"
        );
        verified += 1;
    }
    let mut logs = BTreeMap::new();
    let mut ids: BTreeSet<&String> = acked.registered.iter().collect();
    ids.extend(acked.completed.iter());
    for id in ids {
        let log = registry.events_after(id, 0).await.expect("log");
        let sequences: Vec<u64> = log.iter().map(|event| event.sequence).collect();
        let expected: Vec<u64> = (1..=log.len() as u64).collect();
        assert_eq!(sequences, expected, "{id}: the log has gaps");
        let terminal = log
            .iter()
            .filter(|event| event.semantics.terminal.is_some())
            .count();
        assert!(terminal <= 1, "{id}: {terminal} terminal events");
        logs.insert(id.clone(), log);
    }
    for (id, sequences) in &acked.appended {
        let log = &logs[id];
        for sequence in sequences {
            assert!(
                log.iter()
                    .any(|event| event.sequence == *sequence && event.event_type == "tick"),
                "{id}: acked append {sequence} lost"
            );
            verified += 1;
        }
    }
    for id in &acked.completed {
        let log = &logs[id];
        let terminal: Vec<_> = log
            .iter()
            .filter(|event| event.event_type == PROCESS_COMPLETED)
            .collect();
        assert_eq!(terminal.len(), 1, "{id}: exactly one terminal event");
        let record = registry.get_process(id).await.expect("record");
        assert!(record.is_terminal(), "{id}: acked completion lost");
        verified += 1;
    }
    let unfinished = registry.list_non_terminal().await.expect("sweep");
    assert!(unfinished
        .iter()
        .all(|record| !acked.completed.contains(&record.id)));
    let raw = rusqlite::Connection::open(&db).expect("raw");
    let integrity: String = raw
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .expect("integrity check");
    assert_eq!(integrity, "ok");
    assert!(
        acked.completed.len() > KILLS as usize,
        "the children made progress"
    );
    eprintln!(
        "kill -9: {KILLS} kills in {kill_time:.2?}; {} acknowledged writes ({} registrations, {} appends, {} completions), {verified} verified; {} processes left running",
        acked.writes,
        acked.registered.len(),
        acked.appended.values().map(BTreeSet::len).sum::<usize>(),
        acked.completed.len(),
        unfinished.len(),
    );
}
